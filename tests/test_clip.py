"""Tests of helpers.clip: captions, image–text pairs, the frozen text tower, the InfoNCE loss, zero-shot classifier."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import clip

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team
ROOT = Path(__file__).resolve().parents[1]


def _infonce_reference(img: np.ndarray, txt: np.ndarray, tau: float) -> float:
    """Symmetric InfoNCE written as loops over pairs (an independent reading of Radford et al. 2021, Fig. 3)."""
    img = img / np.linalg.norm(img, axis=1, keepdims=True)
    txt = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    n = len(img)
    total = 0.0
    for i in range(n):
        s_img = np.array([img[i] @ txt[j] for j in range(n)]) / tau  # image i against every caption
        s_txt = np.array([txt[i] @ img[j] for j in range(n)]) / tau  # caption i against every image
        total += -s_img[i] + np.log(np.exp(s_img).sum()) - s_txt[i] + np.log(np.exp(s_txt).sum())
    return total / (2 * n)


def test_clip_loss_matches_loop_reference():
    rng = np.random.default_rng(0)
    img, txt = rng.normal(size=(7, 16)), rng.normal(size=(7, 16))
    got = clip.clip_loss(torch.tensor(img), torch.tensor(txt), 0.1)
    assert float(got) == pytest.approx(_infonce_reference(img, txt, 0.1), rel=1e-9)


def test_clip_loss_is_symmetric_and_small_for_matching_pairs():
    rng = np.random.default_rng(1)
    a, b = torch.tensor(rng.normal(size=(6, 64))), torch.tensor(rng.normal(size=(6, 64)))
    assert torch.isclose(clip.clip_loss(a, b, 0.07), clip.clip_loss(b, a, 0.07))
    assert clip.clip_loss(a, a, 0.07) < 0.01 < clip.clip_loss(a, b, 0.07)
    # a batch of n random pairs at a high temperature costs about ln n
    assert float(clip.clip_loss(a, b, 100.0)) == pytest.approx(np.log(6), abs=0.01)


def test_clip_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="both be"):
        clip.clip_loss(torch.zeros(4, 8), torch.zeros(3, 8), 0.1)


def test_captions_cover_templates_and_words():
    concept = clip.Concept("x", "ct_head", "CT", "head", ", with a bleed")
    caps = clip.captions(concept)
    assert len(caps) == len(clip.TRAIN_TEMPLATES) * 2 == len(set(caps))
    assert "a CT image of the head, with a bleed" in caps
    assert all("head" in c and "bleed" in c for c in caps)
    assert any("computed tomography" in c for c in caps)


def test_concepts_name_known_samples_and_modalities():
    from helpers.data import sample_names

    names = set(sample_names()) | {"lesion_slices"}
    for c in clip.CONCEPTS + clip.HELD_OUT_CONCEPTS:
        assert c.sample in names and c.modality in clip.MODALITY_WORDS and c.modality in clip.MODALITY_LABELS
    assert not {c.sample for c in clip.HELD_OUT_CONCEPTS} & {c.sample for c in clip.CONCEPTS}


def test_split_parts_frames_and_regions_do_not_overlap():
    frames = np.arange(10 * 4 * 6).reshape(10, 4, 6)
    train, test = clip._split_parts(frames, test_fraction=0.3)
    assert len(train) == 7 and len(test) == 3
    single = np.arange(1 * 10 * 20).reshape(1, 10, 20)  # wider than tall: cut across columns
    train, test = clip._split_parts(single, test_fraction=0.25)
    assert train.shape == (1, 10, 15) and test.shape == (1, 10, 5)
    assert not set(train.ravel()) & set(test.ravel())
    tall = np.arange(1 * 20 * 10).reshape(1, 20, 10)
    train, test = clip._split_parts(tall, test_fraction=0.5)
    assert train.shape == (1, 10, 10) and test.shape == (1, 10, 10)


def test_unit_scaler_window_and_monochrome1():
    meta = types.SimpleNamespace(photometric="MONOCHROME2")
    ct = clip.Concept("c", "ct_head", "CT", "head", window=(40, 80))
    scale = clip._unit_scaler(np.zeros((1, 4, 4)), ct, meta)
    assert scale(np.array([0.0, 40.0, 80.0, 1000.0])).tolist() == [0.0, 0.5, 1.0, 1.0]
    inverted = clip._unit_scaler(np.zeros((1, 4, 4)), ct, types.SimpleNamespace(photometric="MONOCHROME1"))
    assert inverted(np.array([0.0, 80.0])).tolist() == [1.0, 0.0]
    rgb = clip._unit_scaler(np.zeros((1, 4, 4, 3), np.uint8), ct, meta)
    assert rgb(np.full((2, 2, 3), 255, np.uint8)).max() == 1.0


def test_build_pairs_shapes_splits_and_seed():
    lesions = types.SimpleNamespace(images=np.random.default_rng(0).random((12, 32, 32)).astype(np.float32),
                                    labels=np.arange(12) % 2)
    concepts = (clip.CONCEPTS[0], clip.CONCEPTS[8], clip.CONCEPTS[9])  # ct_head, brain_normal, brain_lesion
    kwargs = dict(size=32, n_train=3, n_test=2, concepts=concepts, held_out=clip.HELD_OUT_CONCEPTS[:1],
                  lesions=lesions, seed=0)
    pairs = clip.build_pairs(**kwargs)
    assert pairs.images.shape == (3 * 5 + 2, 32, 32, 3) and pairs.images.dtype == np.float32
    assert 0 <= pairs.images.min() and pairs.images.max() <= 1
    assert (pairs.split == "train").sum() == 9 and (pairs.split == "unseen").sum() == 2
    assert set(pairs.concept[pairs.split == "unseen"]) == {3}
    assert np.array_equal(pairs.images, clip.build_pairs(**kwargs).images)  # seeded
    lesion_rows = pairs.images[(pairs.concept == 2) & (pairs.split == "train")]
    assert np.allclose(lesion_rows[..., 0], lesion_rows[..., 2])  # grey slices replicated to RGB


@pytest.mark.parametrize("kwargs, match", [({"test_fraction": 1.0}, "test_fraction"), ({"n_test": 0}, "n_train"),
                                           ({"concepts": clip.CONCEPTS[8:9], "held_out": ()}, "lesion dataset")])
def test_build_pairs_validates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clip.build_pairs(**kwargs)


def test_heads_embed_unit_vectors_and_temperature():
    heads = clip.ClipHeads(image_dim=10, text_dim=6, dim=4, temperature=0.07, seed=0)
    assert heads.temperature.item() == pytest.approx(0.07, rel=1e-6)
    emb = heads.embed_images(np.random.default_rng(0).normal(size=(3, 10)))
    assert emb.shape == (3, 4) and torch.allclose(emb.norm(dim=1), torch.ones(3))
    with torch.no_grad():
        heads.log_inv_temperature.fill_(10.0)
    assert heads.temperature.item() == pytest.approx(0.01, rel=1e-6)  # clamped like CLIP's logit scale (≤ 100)


def test_class_embeddings_average_prompts():
    heads = clip.ClipHeads(image_dim=4, text_dim=3, dim=3, seed=0)
    vocab = {"a A": [1.0, 0, 0], "b A": [0, 1.0, 0], "a B": [0, 0, 1.0], "b B": [1.0, 1.0, 0]}
    encoder = lambda texts: np.array([vocab[t] for t in texts], np.float32)  # noqa: E731 - a stand-in tower
    got = clip.class_embeddings(heads, encoder, ["A", "B"], ["a {}", "b {}"])
    with torch.no_grad():
        want = torch.nn.functional.normalize(torch.stack([
            heads.embed_texts(encoder(["a A", "b A"])).mean(0), heads.embed_texts(encoder(["a B", "b B"])).mean(0)]),
            dim=1)
    assert torch.allclose(got, want)
    with pytest.raises(ValueError, match="slot"):
        clip.class_embeddings(heads, encoder, ["A"], ["no slot"])


@pytest.fixture(scope="module")
def text_tower():
    return clip.load_text_encoder()


def test_text_tower_matches_sentence_transformers(text_tower):
    from sentence_transformers import SentenceTransformer

    # short and long (truncated at 256 tokens) in one padded batch, accents and punctuation
    sentences = ["a CT image of the head", "fundus photograph of the eye", "x", "Ünïcode café: naïve, 3.5 mm!",
                 "the brain " * 300]
    reference = SentenceTransformer(str(clip.text_model_path()), device="cpu").encode(sentences)
    ours = text_tower(sentences)
    assert ours.shape == (5, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert np.allclose(ours, reference, atol=1e-4)


def test_text_tower_loads_without_transformers():
    # the tower is MiniLM written out in helpers/clip.py: importing transformers would cost ~100 MB of kernel memory
    code = ("import sys; from helpers import clip; clip.load_text_encoder()(['a CT scan']); "
            "print(sorted(m for m in ('transformers', 'torchvision', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_text_tower_knows_synonyms(text_tower):
    emb = text_tower(["an MRI of the brain", "magnetic resonance imaging of the brain", "a photo of a cat"])
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


def test_text_tower_rejects_a_bare_string(text_tower):
    with pytest.raises(TypeError, match="list of strings"):
        text_tower("a CT image")


def test_draw_batches_shapes_ranges_and_seed():
    crops, phrasing = clip.draw_batches([3, 5, 2], steps=50, n_captions=8, seed=4)
    assert crops.shape == phrasing.shape == (50, 3)
    assert (crops.max(0) < [3, 5, 2]).all() and crops.min() >= 0 and 0 <= phrasing.min() <= phrasing.max() < 8
    again, _ = clip.draw_batches([3, 5, 2], steps=50, n_captions=8, seed=4)
    other, _ = clip.draw_batches([3, 5, 2], steps=50, n_captions=8, seed=5)
    assert np.array_equal(crops, again) and not np.array_equal(crops, other)
    with pytest.raises(ValueError, match="at least two concepts"):
        clip.draw_batches([3], steps=5, n_captions=2, seed=0)


def test_seed_heads_train_like_separate_runs():
    """Training stacked heads together equals training each seed alone with clip_loss and the same draws."""
    rng = np.random.default_rng(0)
    feats = torch.tensor(rng.normal(size=(40, 20)), dtype=torch.float32)
    caps = [torch.tensor(rng.normal(size=(3, 12)), dtype=torch.float32) for _ in range(4)]
    groups = [np.arange(i * 10, i * 10 + 10) for i in range(4)]
    stacked = clip.SeedHeads([5, 6], image_dim=20, text_dim=12, dim=8)
    losses = clip.train_seed_heads(stacked, feats, caps, groups, steps=30)
    assert losses.shape == (30, 2) and losses[-5:].mean() < losses[:5].mean()  # it learns
    for k, seed in enumerate(stacked.seeds):
        single = clip.ClipHeads(20, 12, 8, seed=seed)
        opt = torch.optim.AdamW(single.parameters(), lr=1e-3, weight_decay=0.1)
        crops, phrasing = clip.draw_batches([10] * 4, steps=30, n_captions=3, seed=seed)
        for step in range(30):
            x = feats[[groups[j][crops[step, j]] for j in range(4)]]
            t = torch.stack([caps[j][phrasing[step, j]] for j in range(4)])
            loss = clip.clip_loss(single.image(x), single.text(t), single.temperature)
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert loss.item() == pytest.approx(losses[step, k], abs=1e-5)
        member = stacked.member(k)
        assert torch.allclose(member.embed_images(feats), single.embed_images(feats), atol=1e-5)
        assert torch.allclose(member.temperature, single.temperature, atol=1e-6)
        assert torch.allclose(stacked.embed_texts(caps[0])[k], single.embed_texts(caps[0]), atol=1e-5)


def test_train_seed_heads_validates():
    heads = clip.SeedHeads([0], image_dim=4, text_dim=3, dim=2)
    with pytest.raises(ValueError, match="one caption set per concept"):
        clip.train_seed_heads(heads, torch.zeros(4, 4), [torch.zeros(2, 3)], [np.arange(2), np.arange(2, 4)])
    with pytest.raises(ValueError, match="at least one seed"):
        clip.SeedHeads([], image_dim=4, text_dim=3, dim=2)


def test_label_scores_are_class_embedding_similarities():
    heads = clip.ClipHeads(image_dim=6, text_dim=5, dim=4, seed=0)

    def encoder(texts):
        return np.stack([np.random.default_rng(len(t)).normal(size=5) for t in texts]).astype(np.float32)

    feats = np.random.default_rng(1).normal(size=(7, 6)).astype(np.float32)
    got = clip.label_scores(heads, encoder, feats, ["a", "bbb"], ["{}", "x {}"])
    expected = heads.embed_images(feats) @ clip.class_embeddings(heads, encoder, ["a", "bbb"], ["{}", "x {}"]).T
    assert got.shape == (7, 2) and np.allclose(got, expected.detach().numpy()) and np.abs(got).max() <= 1 + 1e-6

"""Tests of helpers.augment: joint image + mask transforms, pixel transforms, per-image batches, the gallery."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from helpers import augment

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


def _image_and_mask(size=32):
    """A smooth ramp image with a bright off-centre square, and that square as the mask."""
    image = np.tile(np.linspace(0.1, 0.6, size, dtype=np.float32), (size, 1))
    mask = np.zeros((size, size), bool)
    mask[6:14, 4:12] = True
    image[mask] = 0.95
    return image, mask


def test_augment_pair_agrees_with_plain_tv_tensors_code():
    """The helper does what the notebook shows inline: Image + Mask through one transform call."""
    image, mask = _image_and_mask()
    transform = v2.Compose([v2.RandomAffine(25, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=10),
                            augment.RandomGamma((0.6, 1.6))])
    out_img, out_mask = augment.augment_pair(image, mask, transform=transform, seed=5)
    torch.manual_seed(5)
    ref_img, ref_mask = transform(tv_tensors.Image(torch.from_numpy(image)[None]),
                                  tv_tensors.Mask(torch.from_numpy(mask)[None]))
    assert np.array_equal(out_img, ref_img[0].numpy()) and np.array_equal(out_mask, ref_mask[0].numpy())
    assert out_img.dtype == np.float32 and out_mask.dtype == bool and out_img.shape == image.shape


def test_geometric_transforms_move_image_and_mask_together():
    image, mask = _image_and_mask()
    flipped, fmask = augment.augment_pair(image, mask, transform=v2.RandomHorizontalFlip(p=1.0))
    assert np.array_equal(flipped, image[:, ::-1]) and np.array_equal(fmask, mask[:, ::-1])
    for seed in range(3):  # random warps: the bright square and the mask still coincide
        img, m = augment.augment_pair(image, mask, transform=v2.ElasticTransform(alpha=40.0, sigma=4.0), seed=seed)
        assert m.any() and not np.array_equal(m, mask)
        assert img[m].mean() > img[~m].mean() + 0.3


@pytest.mark.parametrize("transform", [augment.RandomGamma((0.5, 2.0)), augment.RandomIntensity(),
                                       v2.GaussianNoise(sigma=0.1), v2.GaussianBlur(5, sigma=(1.0, 2.0))])
def test_pixel_transforms_change_the_image_but_not_the_mask(transform):
    image, mask = _image_and_mask()
    img, m = augment.augment_pair(image, mask, transform=transform, seed=1)
    assert np.array_equal(m, mask)
    assert not np.allclose(img, image)


def test_random_gamma_keeps_range_and_order_and_follows_the_formula():
    image, _ = _image_and_mask()
    torch.manual_seed(0)
    t = augment.RandomGamma((2.0, 2.0))  # a fixed exponent
    out = t(torch.from_numpy(image)[None])[0].numpy()
    lo, hi = image.min(), image.max()
    assert np.allclose(out, lo + (hi - lo) * ((image - lo) / (hi - lo)) ** 2, atol=1e-6)
    assert np.isclose(out.min(), lo) and np.isclose(out.max(), hi)
    # monotone: brighter stays brighter
    order = np.argsort(image.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order]) >= -1e-6)


def test_random_intensity_is_linear_without_clipping():
    torch.manual_seed(0)
    x = torch.linspace(-1, 2, 64).reshape(1, 8, 8)
    y = augment.RandomIntensity(scale=(1.5, 1.5), shift=(0.25, 0.25))(x)
    assert torch.allclose(y, 1.5 * x + 0.25)
    assert isinstance(augment.RandomIntensity()(tv_tensors.Image(x)), tv_tensors.Image)  # type is kept


@pytest.mark.parametrize("make, error, match", [
    (lambda: augment.RandomGamma((0.0, 1.0)), ValueError, "low > 0"),
    (lambda: augment.RandomGamma((2.0, 1.0)), ValueError, "low <= high"),
    (lambda: augment.RandomIntensity(scale=3), TypeError, "pair"),
])
def test_pixel_transforms_reject_bad_ranges(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_augment_pair_is_seeded_and_leaves_the_global_stream_alone():
    image, mask = _image_and_mask()
    t = v2.RandomRotation(30)
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = augment.augment_pair(image, mask, transform=t, seed=4)
    assert torch.equal(torch.rand(3), expected_next)  # the caller's random stream was not consumed
    b = augment.augment_pair(image, mask, transform=t, seed=4)
    c = augment.augment_pair(image, mask, transform=t, seed=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and not np.array_equal(a[0], c[0])
    img, none = augment.augment_pair(image, transform=t)
    assert none is None and img.shape == image.shape


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((np.zeros((2, 8, 8), np.float32),), {}, ValueError, "2D"),
    ((np.zeros((8, 8), np.uint8),), {}, TypeError, "float"),
    ((np.zeros((8, 8), np.float32), np.zeros((4, 4), bool)), {}, ValueError, "mask shape"),
    ((np.zeros((8, 8), np.float32),), {"transform": "flip"}, TypeError, "callable"),
])
def test_augment_pair_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        augment.augment_pair(*args, **({"transform": v2.RandomHorizontalFlip()} | kwargs))


def test_per_sample_draws_new_parameters_for_each_image():
    image, _ = _image_and_mask()
    batch = torch.from_numpy(image)[None, None].repeat(6, 1, 1, 1)
    rotate = v2.RandomRotation(40)
    torch.manual_seed(0)
    whole = rotate(batch)  # plain v2 on a batch: one angle for all six images
    assert all(torch.equal(whole[0], whole[k]) for k in range(6))
    torch.manual_seed(0)
    each = augment.per_sample(rotate)(batch)
    assert each.shape == batch.shape and type(each) is torch.Tensor
    assert len({each[k].numpy().tobytes() for k in range(6)}) == 6
    with pytest.raises(ValueError, match="B, C, H, W"):
        augment.per_sample(rotate)(batch[0])
    with pytest.raises(TypeError, match="callable"):
        augment.per_sample(None)


def test_per_sample_plugs_into_train_classifier_reproducibly():
    from helpers import nets

    rng = np.random.default_rng(0)
    images = rng.random((16, 32, 32)).astype(np.float32)
    labels = np.arange(16) % 2
    aug = augment.per_sample(v2.Compose([v2.RandomHorizontalFlip(), augment.RandomIntensity()]))
    runs = []
    for _ in range(2):
        nets.set_seed(0)
        model = nets.SmallCNN(width=4)
        runs.append(nets.train_classifier(model, images, labels, epochs=2, batch_size=8, augment=aug,
                                          progress=False)["loss"])
    assert runs[0] == runs[1]


def test_gallery_renders_and_follows_its_controls():
    image, mask = _image_and_mask()
    transforms = {"rotate": v2.RandomRotation(30), "flip": v2.RandomHorizontalFlip(p=1.0)}
    gallery = augment.AugmentationGallery(image, transforms, mask=mask, n=3, title="test")
    assert gallery.png.startswith(b"\x89PNG") and gallery.state == {"transform": "rotate", "seed": 0}
    first = gallery.png
    gallery.seed.value = 7
    assert gallery.png != first and gallery.state["seed"] == 7
    gallery.transform.value = "flip"
    pairs = gallery.augmented()
    assert len(pairs) == 3 and all(np.array_equal(m, mask[:, ::-1]) for _, m in pairs)
    assert gallery.n_redraws == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"image": np.zeros((3, 8, 8))}, "2D"),
    ({"transforms": {}}, "at least one"),
    ({"n": 0}, "n must be"),
    ({"mask": np.zeros((4, 4), bool)}, "mask shape"),
])
def test_gallery_rejects_bad_input(kwargs, match):
    args = {"image": np.zeros((8, 8), np.float32), "transforms": {"flip": v2.RandomHorizontalFlip()}} | kwargs
    with pytest.raises(ValueError, match=match):
        augment.AugmentationGallery(args.pop("image"), args.pop("transforms"), **args)


def test_draw_outline_follows_the_mask_in_pixel_and_mm_coordinates():
    import matplotlib.pyplot as plt

    from helpers import viz

    image, mask = _image_and_mask()  # mask rows 6..13, columns 4..11
    for spacing, (sy, sx) in [(None, (1.0, 1.0)), ((2.0, 3.0), (2.0, 3.0))]:
        fig = viz.show_image(image, spacing_mm=spacing)
        contour = augment.draw_outline(fig.axes[0], mask, spacing_mm=spacing)
        xy = np.concatenate([p.vertices for p in contour.get_paths()])
        # the outline runs along the pixel edges of the square
        assert np.allclose([xy[:, 0].min(), xy[:, 0].max()], [4 * sx, 12 * sx], atol=1e-6)
        assert np.allclose([xy[:, 1].min(), xy[:, 1].max()], [6 * sy, 14 * sy], atol=1e-6)
        plt.close(fig)
    assert augment.draw_outline(plt.gca(), np.zeros((4, 4), bool)) is None
    with pytest.raises(ValueError, match="2D"):
        augment.draw_outline(plt.gca(), np.zeros((2, 4, 4), bool))
    plt.close("all")


def test_plot_seed_results_shows_every_run_and_the_mean():
    import matplotlib.pyplot as plt

    fig = augment.plot_seed_results({"a": [0.6, 0.7, 0.8], "b": [0.9, 0.95]}, title="t")
    ax = fig.axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [list(line.get_ydata()) for line in dots] == [[0.6, 0.7, 0.8], [0.9, 0.95]]
    means = [line for line in ax.get_lines() if line.get_marker() == "s"]
    assert np.allclose([line.get_ydata()[0] for line in means], [0.7, 0.925])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one value"):
        augment.plot_seed_results({"a": []})


def _centroids(batch):
    """(row, column) centre of mass of each image of a (B, 1, H, W) batch, in pixels from the image centre."""
    h, w = batch.shape[-2:]
    mass = batch.sum(dim=(1, 2, 3))
    rows = (batch.sum(dim=(1, 3)) * (torch.arange(h) + 0.5)).sum(1) / mass - h / 2
    cols = (batch.sum(dim=(1, 2)) * (torch.arange(w) + 0.5)).sum(1) / mass - w / 2
    return rows, cols


def test_random_flip_affine_is_a_flip_rotation_and_shift_of_the_stated_size():
    x = torch.rand(1, 1, 8, 8)
    torch.manual_seed(0)
    flipped = [augment.random_flip_affine(x, degrees=0, translate=0, scale=(1, 1)) for _ in range(20)]
    assert all(torch.allclose(f, x, atol=1e-5) or torch.allclose(f, x.flip(-1), atol=1e-5) for f in flipped)
    assert any(torch.allclose(f, x.flip(-1), atol=1e-5) for f in flipped), "a flip half of the time"
    assert any(torch.allclose(f, x, atol=1e-5) for f in flipped), "no flip the other half"
    square = torch.zeros(200, 1, 32, 32)
    square[:, :, 6:10, 14:18] = 1.0  # centre 8 px above the image centre
    r0, c0 = _centroids(square)
    rows, cols = _centroids(augment.random_flip_affine(square, degrees=20, translate=0, scale=(1, 1), flip=False))
    angle = torch.rad2deg(torch.atan2(cols, -rows))  # 0 for the untouched square
    assert torch.allclose(torch.hypot(rows, cols), torch.hypot(r0, c0), atol=0.3), "rotation about the centre"
    assert angle.abs().max() <= 20.5 and angle.abs().max() > 15, "angles spread over ±20°"
    rows, cols = _centroids(augment.random_flip_affine(square, degrees=0, translate=0.1, scale=(1, 1), flip=False))
    assert (cols - c0).abs().max() <= 3.3 and (rows - r0).abs().max() <= 3.3, "shifts up to 10 % of 32 px"
    assert (cols - c0).abs().max() > 2.5


def test_random_flip_affine_draws_per_image_and_matches_v2_in_distribution():
    torch.manual_seed(0)
    x = torch.zeros(400, 1, 32, 32)
    x[:, :, 4:8, 4:8] = 1.0  # a bright square near the top left (patient's right)
    out = augment.random_flip_affine(x)
    torch.manual_seed(0)
    ref = augment.per_sample(v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(degrees=20, translate=(0.1, 0.1),
                                                                                  scale=(0.85, 1.15))]))(x)
    cols = torch.arange(32.0)
    centre = lambda b: (b.sum(dim=(1, 2)) * cols).sum(1) / b.sum(dim=(1, 2, 3))  # noqa: E731
    ours, theirs = centre(out), centre(ref)
    assert len(torch.unique(ours.round(decimals=2))) > 300, "new parameters for every image"
    assert abs(float((ours > 16).float().mean()) - float((theirs > 16).float().mean())) < 0.1, "flipped half the time"
    assert abs(float(out.sum((1, 2, 3)).mean()) - float(ref.sum((1, 2, 3)).mean())) < 1.5, "the same zoom range"


def test_random_flip_affine_rejects_bad_input():
    with pytest.raises(ValueError, match="float"):
        augment.random_flip_affine(torch.zeros(2, 8, 8))
    with pytest.raises(ValueError, match="scale"):
        augment.random_flip_affine(torch.zeros(2, 1, 8, 8), scale=(0.0, 1.0))
    with pytest.raises(ValueError, match=">= 0"):
        augment.random_flip_affine(torch.zeros(2, 1, 8, 8), degrees=-1)

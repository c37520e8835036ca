"""Put a rendered page into a photograph: a desk, a known perspective, rotation, light, blur, noise, JPEG.

The geometry is exact: the page's four corners in photo pixels (clockwise, starting from the corner
that is top-left once the page is upright) are the images of the page-image corners under the
homography used to warp it. Angles are counter-clockwise degrees, the `deskew` package's sign:
`turned_deg` is how far the page is turned in the photo (a cardinal 0/90/180/270), `skew_deg` the
small counter-clockwise rotation that, after uprighting, makes the text lines horizontal.
A card with rounded corners (a page image with an alpha channel) lies on the desk with only its
opaque part; its corners are still where its straight edges meet, just outside the rounded tips.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

CARDINALS = (0, 90, 180, 270)
# desks of `varied_options`: the classic ones plus dark wood, a near-black desk and a light laminate
DESKS = ("wood", "wood_dark", "grey", "green", "light", "dark")


@dataclass(frozen=True)
class SceneOptions:
    """How a page is photographed (camera) or scanned (flat). Every value is explicit so a test can pin it."""

    flat: bool = False  # a flatbed scan: no perspective, even light, the frame hugs the page
    width: int = 2592  # camera frame size in pixels (5 MP, a common document camera)
    height: int = 1944
    turned_deg: int = 0  # cardinal turn of the page in the frame, counter-clockwise
    angle_deg: float = 0.0  # extra counter-clockwise turn of the page (the skew a photo or scan shows)
    fill: float = 0.8  # share of the frame the page's bounding box spans along its tighter side
    tilt: float = 0.04  # perspective: corner displacement as a share of the page's size
    light: float = 0.3  # depth of the uneven light (0 = even)
    exposure: float = 0.95  # the brightest spot of the light field; above 1 white paper clips (glare)
    shadow: bool = False  # a soft shadow across part of the frame
    blur_sigma: float = 0.6
    noise_sigma: float = 3.0  # sensor noise, in 8-bit levels
    jpeg_quality: int = 85
    second_sheet: bool = False  # another sheet partly in view at an edge
    hand: bool = False  # a hand-coloured blob at an edge, over the page margin at most
    background: str = "wood"  # wood, wood_dark, grey, green, dark (near black), light (white paper on a light
    # desk), white (flat scans)
    scan_dpi_scale: float = 1.0  # flat scans: frame pixels per page-image pixel


@dataclass
class Scene:
    """A photographed page and its exact geometry."""

    jpeg: bytes
    size: tuple[int, int]  # (width, height) of the photo
    corners: np.ndarray  # 4×2 float, clockwise from the upright top-left, in photo pixels
    turned_deg: int
    skew_deg: float
    fully_visible: bool


def random_options(rng: random.Random, *, flat: bool = False, turned_deg: int | None = None) -> SceneOptions:
    """Plausible counter conditions: mostly upright pages, sometimes turned, cluttered, badly lit."""
    if turned_deg is None:
        turned_deg = rng.choices(CARDINALS, weights=[7, 1, 1, 1])[0]
    if flat:
        return SceneOptions(
            flat=True,
            turned_deg=turned_deg,
            angle_deg=rng.uniform(-5, 5),
            fill=1.0,
            tilt=0.0,
            light=0.05,
            exposure=1.0,
            blur_sigma=rng.uniform(0.0, 0.5),
            noise_sigma=rng.uniform(0.5, 2.0),
            jpeg_quality=rng.randint(85, 95),
            background="white",
            scan_dpi_scale=rng.uniform(0.9, 1.1),
        )
    return SceneOptions(
        turned_deg=turned_deg,
        angle_deg=rng.uniform(-15, 15),
        fill=rng.uniform(0.6, 0.9),
        tilt=rng.uniform(0.0, 0.07),
        light=rng.uniform(0.1, 0.45),
        exposure=rng.uniform(0.85, 1.0),
        shadow=rng.random() < 0.4,
        blur_sigma=rng.uniform(0.0, 1.4),
        noise_sigma=rng.uniform(1.0, 6.0),
        jpeg_quality=rng.randint(60, 92),
        second_sheet=rng.random() < 0.3,
        hand=rng.random() < 0.3,
        background=rng.choice(["wood", "grey", "green", "wood"]),
    )


def card_options(rng: random.Random, *, turned_deg: int | None = None) -> SceneOptions:
    """A card (ID card, bank card) at camera distance: small in the frame (fill 0.35–0.6), mostly on a
    dark or wooden desk, turned any way in the hand that laid it down."""
    if turned_deg is None:
        turned_deg = rng.choices(CARDINALS, weights=[6, 2, 1, 1])[0]
    return SceneOptions(
        turned_deg=turned_deg,
        angle_deg=rng.uniform(-25, 25),
        fill=rng.uniform(0.35, 0.6),
        tilt=rng.uniform(0.0, 0.06),
        light=rng.uniform(0.1, 0.4),
        exposure=rng.uniform(0.85, 1.0),
        shadow=rng.random() < 0.3,
        blur_sigma=rng.uniform(0.0, 1.2),
        noise_sigma=rng.uniform(1.0, 5.0),
        jpeg_quality=rng.randint(65, 92),
        hand=rng.random() < 0.2,
        background=rng.choice(["dark", "wood_dark", "wood", "dark", "grey", "wood_dark"]),
    )


def varied_options(
    rng: random.Random, *, card: bool = False, flat: bool = False, turned_deg: int | None = None
) -> SceneOptions:
    """Like `random_options` but over every desk of DESKS; a card lies small in the frame (`card_options`)."""
    if flat:
        return random_options(rng, flat=True, turned_deg=turned_deg)
    if card:
        return card_options(rng, turned_deg=turned_deg)
    return replace(random_options(rng, turned_deg=turned_deg), background=rng.choice(DESKS))


def photograph(page: Image.Image, options: SceneOptions, rng: random.Random) -> Scene:
    """Place `page` (upright RGB, or RGBA for a card with rounded corners) in a frame as `options` says;
    returns the JPEG and the exact geometry."""
    np_rng = np.random.default_rng(rng.getrandbits(64))
    paper = np.asarray(page.convert("RGB"), dtype=np.float32)[:, :, ::-1] / 255.0  # BGR, 0..1
    ph, pw = paper.shape[:2]
    if options.flat:
        options = _fit_scan_frame(options, pw, ph)
    width, height = options.width, options.height
    corners = _page_quad(pw, ph, options, rng)
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))

    frame = _background(options.background, width, height, np_rng)
    if options.second_sheet:
        _lay_second_sheet(frame, rng)
    opaque = (
        np.asarray(page.getchannel("A"), np.float32) / 255.0 if page.mode == "RGBA" else np.ones((ph, pw), np.float32)
    )
    alpha = cv2.warpPerspective(opaque, homography, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    if not options.flat:
        _drop_shadow(frame, alpha)
    warped = cv2.warpPerspective(
        paper, homography, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    _blend(frame, warped, alpha)
    if options.hand:
        _lay_hand(frame, corners, alpha, rng)
    frame *= _illumination(width, height, options, rng)[..., None]
    frame = _degrade(frame, options, np_rng)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, options.jpeg_quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    turned, skew = _orientation(homography, pw, ph)
    inside = bool(np.all((corners >= 0) & (corners <= [width - 1, height - 1])))
    return Scene(jpeg.tobytes(), (width, height), corners, turned, skew, inside)


def _fit_scan_frame(options: SceneOptions, pw: int, ph: int) -> SceneOptions:
    """A scan's frame is the page's turned bounding box plus a thin bed margin."""
    w, h = _turned_box(pw * options.scan_dpi_scale, ph * options.scan_dpi_scale, options.turned_deg + options.angle_deg)
    margin = 0.02 * max(w, h)
    return replace(options, width=int(w + 2 * margin), height=int(h + 2 * margin))


def _turned_box(w: float, h: float, degrees: float) -> tuple[float, float]:
    """Width and height of the bounding box of a w×h rectangle turned by `degrees`."""
    c, s = abs(math.cos(math.radians(degrees))), abs(math.sin(math.radians(degrees)))
    return w * c + h * s, w * s + h * c


def _page_quad(pw: int, ph: int, options: SceneOptions, rng: random.Random) -> np.ndarray:
    """The page corners in the frame: scaled, turned, shifted, then pulled into perspective."""
    theta = options.turned_deg + options.angle_deg
    box_w, box_h = _turned_box(pw, ph, theta)
    scale = options.fill * min(options.width / box_w, options.height / box_h)
    if options.flat:
        scale = options.scan_dpi_scale
    cx = options.width / 2 + rng.uniform(-0.5, 0.5) * (options.width - box_w * scale) * 0.9
    cy = options.height / 2 + rng.uniform(-0.5, 0.5) * (options.height - box_h * scale) * 0.9
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    quad = []
    for x, y in ((-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2)):
        x, y = x * scale, y * scale
        # counter-clockwise as seen on screen, where y points down
        quad.append((cx + x * c + y * s, cy - x * s + y * c))
    quad = np.array(quad, dtype=np.float64)
    if options.tilt:
        quad = _keystone(quad, options, rng)
    return quad


def _keystone(quad: np.ndarray, options: SceneOptions, rng: random.Random) -> np.ndarray:
    """Move each corner a little, as a camera not square to the desk does; keep the page in the frame."""
    size = np.linalg.norm(quad[2] - quad[0])
    for _ in range(20):
        moved = quad + np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * options.tilt * size
        inside = np.all((moved >= 2) & (moved <= [options.width - 3, options.height - 3]))
        if inside and _is_convex(moved):
            return moved
    return quad


def _is_convex(quad: np.ndarray) -> bool:
    """True when the four points turn the same way at every corner."""
    signs = []
    for i in range(4):
        a, b, c = quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]
        signs.append(np.sign((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])))
    return len(set(signs)) == 1 and signs[0] != 0


def _orientation(homography: np.ndarray, pw: int, ph: int) -> tuple[int, float]:
    """The cardinal turn and the residual skew of the page's text direction at its centre."""
    centre = np.float32([[[pw / 2, ph / 2], [pw / 2 + 10, ph / 2]]])
    (a, b) = cv2.perspectiveTransform(centre, homography)[0]
    turned_by = math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0]))  # CCW, y down
    cardinal = int(round(turned_by / 90.0)) * 90 % 360
    skew = -((turned_by - cardinal + 180) % 360 - 180)
    return cardinal, round(skew, 4)


def _background(kind: str, width: int, height: int, np_rng: np.random.Generator) -> np.ndarray:
    """A desk surface: wood grain (light or dark walnut), a grey or green mat, a near-black desk, a light
    laminate desk, or a scanner's white lid (BGR, 0..1)."""
    base = {
        "wood": (0.22, 0.40, 0.58),
        "grey": (0.38, 0.38, 0.40),
        "green": (0.25, 0.42, 0.24),
        "light": (0.86, 0.88, 0.90),
        "white": (0.96, 0.96, 0.96),
        "wood_dark": (0.08, 0.15, 0.24),
        "dark": (0.06, 0.06, 0.07),
    }[kind]
    texture = np.ones((height // 4, width // 4), np.float32)  # smooth: drawn small, then enlarged
    if kind.startswith("wood"):
        y, x = np.mgrid[0 : height // 4, 0 : width // 4].astype(np.float32)
        period, phase = np_rng.uniform(2.2, 5.0), np_rng.uniform(0, 6.28)
        texture += np.sin(y / period + 3 * np.sin(x / 100 + phase)) * 0.05
    texture += cv2.resize(
        np_rng.normal(0, 0.04, (height // 64 + 1, width // 64 + 1)).astype(np.float32),
        texture.shape[::-1],
        interpolation=cv2.INTER_CUBIC,
    )
    texture = cv2.resize(texture, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(texture[..., None] * np.float32(base), 0, 1)


def _drop_shadow(frame: np.ndarray, alpha: np.ndarray) -> None:
    """Paper lying on a desk casts a faint soft shadow down and to the right."""
    height, width = alpha.shape
    small = cv2.resize(alpha, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    shadow = cv2.warpAffine(small, np.float32([[1, 0, 1.5], [0, 1, 2]]), small.shape[::-1])
    shadow = cv2.resize(cv2.GaussianBlur(shadow, (0, 0), 1.5), (width, height), interpolation=cv2.INTER_LINEAR)
    frame *= (1 - 0.35 * shadow)[..., None]


def _lay_second_sheet(frame: np.ndarray, rng: random.Random) -> None:
    """Another printed sheet lying at an edge, mostly outside the frame, under the main page."""
    height, width = frame.shape[:2]
    w, h = int(width * 0.35), int(height * 0.6)
    sheet = np.full((h, w, 3), 0.93, np.float32)
    for y in range(int(h * 0.1), int(h * 0.9), max(8, h // 30)):
        length = rng.uniform(0.4, 0.8)
        sheet[y : y + max(2, h // 120), int(w * 0.1) : int(w * (0.1 + length))] = 0.3  # text-like bars
    angle = rng.uniform(-20, 20)
    left = rng.random() < 0.5
    cx = -w * 0.15 if left else width + w * 0.15
    cy = rng.uniform(0.3, 0.7) * height
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[:, 2] += (cx - w / 2, cy - h / 2)
    warped = cv2.warpAffine(sheet, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpAffine(np.ones((h, w), np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR)
    _blend(frame, warped, mask)


def _lay_hand(frame: np.ndarray, corners: np.ndarray, alpha: np.ndarray, rng: random.Random) -> None:
    """A skin-coloured blob coming in from the frame edge nearest a page side, never over a corner."""
    height, width = frame.shape[:2]
    side = rng.randrange(4)
    mid = (corners[side] + corners[(side + 1) % 4]) / 2
    edge_points = [(mid[0], 0), (width - 1, mid[1]), (mid[0], height - 1), (0, mid[1])]
    ex, ey = min(edge_points, key=lambda p: math.dist(p, mid))
    reach = math.dist((ex, ey), mid)
    page_side = math.dist(corners[side], corners[(side + 1) % 4])
    for grow in (1.08, 1.04, 1.0, 0.9):
        axes = (max(20.0, reach * grow), max(20.0, page_side * 0.12))
        mask = np.zeros((height, width), np.uint8)
        angle = math.degrees(math.atan2(mid[1] - ey, mid[0] - ex))
        cv2.ellipse(mask, (int(ex), int(ey)), (int(axes[0]), int(axes[1])), angle, 0, 360, 255, -1)
        covers_corner = any(mask[int(min(max(y, 0), height - 1)), int(min(max(x, 0), width - 1))] for x, y in corners)
        overlap = float(((mask > 0) * alpha).sum())
        if not covers_corner and overlap <= 0.015 * float(alpha.sum()):
            break
    else:
        return
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 3)
    _blend(frame, np.broadcast_to(np.float32([0.55, 0.65, 0.85]), frame.shape), soft)  # skin, BGR


def _blend(frame: np.ndarray, layer: np.ndarray, mask: np.ndarray) -> None:
    """Lay `layer` over `frame` where `mask` (0..1) says, touching only the mask's bounding box."""
    ys, xs = np.nonzero(mask > 0.001)
    if not len(ys):
        return
    box = np.s_[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    m = mask[box][..., None]
    frame[box] = frame[box] * (1 - m) + layer[box] * m


def _illumination(width: int, height: int, options: SceneOptions, rng: random.Random) -> np.ndarray:
    """A smooth light field: a directional gradient, a vignette, optionally a soft shadow band.

    Computed on a grid 8 times smaller and enlarged: light varies slowly, and this keeps it fast.
    """
    w, h = width // 8, height // 8
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, math.tau)
    gradient = (x / w - 0.5) * math.cos(direction) + (y / h - 0.5) * math.sin(direction)
    vignette = ((x / w - 0.5) ** 2 + (y / h - 0.5) ** 2) * 0.5
    light = 1.0 - options.light * (gradient + 0.5) - options.light * vignette
    if options.shadow:
        band = np.zeros((h, w), np.float32)
        x0 = rng.uniform(0.2, 0.8) * w
        pts = np.int32(
            [
                [x0, -2],
                [x0 + rng.uniform(0.1, 0.3) * w, -2],
                [x0 + rng.uniform(-0.2, 0.2) * w, h + 2],
                [x0 - rng.uniform(0.1, 0.3) * w, h + 2],
            ]
        )
        cv2.fillPoly(band, [pts], 1.0)
        band = cv2.GaussianBlur(band, (0, 0), w / 40)
        light *= 1 - rng.uniform(0.2, 0.4) * band
    light = light / max(float(light.max()), 1e-6) * options.exposure
    return cv2.resize(light, (width, height), interpolation=cv2.INTER_LINEAR)


def _degrade(frame: np.ndarray, options: SceneOptions, np_rng: np.random.Generator) -> np.ndarray:
    """Lens blur and sensor noise; returns 8-bit BGR."""
    if options.blur_sigma > 0.05:
        frame = cv2.GaussianBlur(frame, (0, 0), options.blur_sigma)
    noise = np.empty(frame.shape, np.float32)
    cv2.setRNGSeed(int(np_rng.integers(2**31)))  # OpenCV's generator is 10× faster than numpy's here
    cv2.randn(noise, 0.0, float(options.noise_sigma))
    frame = cv2.scaleAdd(frame, 255.0, noise)
    return np.clip(frame, 0, 255).astype(np.uint8)

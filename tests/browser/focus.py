"""The focus indicator of the focused element, measured from its computed styles."""

# The outline, else the box-shadow, as an RGBA colour, and the colour behind it: the first
# opaque background of the element's ancestors, because outline and ring are drawn outside it.
FOCUS_PROBE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) { return null; }
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const style = getComputedStyle(el);
  let ring = null;
  let kind = "none";
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1) {
    ring = parse(style.outlineColor);
    kind = "outline";
  } else if (style.boxShadow && style.boxShadow !== "none") {
    ring = parse(style.boxShadow);
    kind = "box-shadow";
  }
  let background = [255, 255, 255, 1];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const color = parse(getComputedStyle(node).backgroundColor);
    if (color && color[3] > 0.99) { background = color; break; }
  }
  // A date or time field's calendar button lives in the browser's own shadow tree: the
  // field does not match :focus then, and the browser draws that button's focus ring.
  const browserDrawn = !el.matches(":focus");
  return {
    browserDrawn: browserDrawn,
    inHeader: !!el.closest("header"),
    name: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " "
      + (el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30),
    kind: kind,
    ring: ring,
    background: background,
  };
}
"""


def luminance(rgb) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def blend(color, background):
    """A translucent colour as it appears over an opaque background."""
    alpha = color[3]
    return [alpha * c + (1 - alpha) * b for c, b in zip(color[:3], background[:3], strict=True)]


def focus_contrast(probe: dict) -> float:
    """The contrast of the focus indicator against its background; 0 when there is none."""
    if probe["browserDrawn"]:
        return 21  # the browser's own focus ring (a UA shadow element), not ours to measure
    if probe["ring"] is None or probe["ring"][3] == 0:
        return 0
    return contrast(blend(probe["ring"], probe["background"]), probe["background"])

"""Figures redrawn step after step (the dashboard's): what stays is drawn once.

A figure of a run over time changes little from one step to the next: its lines grow
by a point, while its axes, ticks, titles, legends, event marks and key stay as they
were. The ``plot_*`` functions mark the artists that carry the run's values with
:func:`changing` (the medians, their bands, the map's colours and its date, the
citizens' lattices and counts). :class:`LiveFigure` renders a figure whole once,
keeping its layout and the pixels of all that does not change or lie over a changing
artist; for every later figure with the same still part (:func:`still_key`) it copies
those pixels in and draws only the rest, in the order a whole drawing would. A new
event marked, a limit moved, a legend grown, a changing artist added or removed: the
figure is rendered whole again.

The still key holds how each still artist looks (data, colours, sizes, alpha, zorder,
texts), not every property matplotlib has: tick parameters or a grid changed between
frames go unseen. Nor does the cheap path handle a legend lying over its Axes, twinned
Axes, a title inside its Axes, or an aspect adjusted on the data limits: a figure with
these must not be drawn live. The dashboard's panels are held to their ordinary
rendering, pixel for pixel, by a test over the run.
"""

from __future__ import annotations

import io
import threading
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

_CHANGING: weakref.WeakSet[Artist] = weakref.WeakSet()


def changing(*artists: Artist | None) -> None:
    """Mark artists that carry a run's values: a live figure redraws them every step."""
    _CHANGING.update(a for a in artists if a is not None)


def from_first_changing(figure: Figure) -> tuple[list[tuple[Axes, Artist]], list[Artist]]:
    """What each Axes draws from its first changing artist on; and the changing ones.

    The first list holds (Axes, artist) pairs in drawing order; the second, those of its
    artists marked :func:`changing`.

    In each Axes, matplotlib draws its background first, then its other children by
    ``zorder`` (ties in their order; ``Axes.draw``). An Axes' titles are left out unless
    changing: only a whole drawing places them, and the package's sit above their Axes.
    """
    after: list[tuple[Axes, Artist]] = []
    for ax in figure.axes:
        titles = set(map(id, _titles(ax)))
        children = [a for a in ax.get_children() if a is not ax.patch and not a.get_animated()]
        if not ax.axison:
            children = [a for a in children if a not in (ax.xaxis, ax.yaxis)]
        if not (ax.axison and ax.get_frame_on()):
            children = [a for a in children if a not in ax.spines.values()]
        children = sorted(children, key=lambda a: a.get_zorder())  # stable
        first = next((i for i, a in enumerate(children) if a in _CHANGING), len(children))
        after += [(ax, a) for a in children[first:] if id(a) not in titles or a in _CHANGING]
    return after, [a for _, a in after if a in _CHANGING]


def _titles(ax: Axes) -> list[Text]:
    """An Axes' three titles (centre, left, right): only a whole drawing places them."""
    sides = [getattr(ax, side, None) for side in ("_left_title", "_right_title")]
    return [ax.title, *(t for t in sides if t is not None)]


def still_key(figure: Figure, moving: list[Artist]) -> tuple[Any, ...]:
    """What the still part of ``figure`` shows: equal keys, equal pixels and layout.

    The size and resolution; the changing artists' kinds (and a changing text's lines,
    which the layout makes room for); each Axes' limits, axis labels, legend and every
    child not changing as it looks (texts and where they stand, lines, patches,
    collections and images with their data, sizes and colours; each artist's
    visibility, alpha and zorder); the figure's own texts and legends.
    """
    from matplotlib.text import Text

    skip = set(map(id, moving))

    key: list[Any] = [tuple(figure.get_size_inches()), figure.dpi, len(figure.axes)]
    for artist in moving:  # where they come and how they may move the layout
        lines = artist.get_text().count("\n") if isinstance(artist, Text) else None
        key.append((type(artist).__name__, lines))
    for ax in figure.axes:
        legend = ax.get_legend()
        key += [
            ax.get_xlim(),
            ax.get_ylim(),
            ax.xaxis.get_label().get_text(),
            ax.yaxis.get_label().get_text(),
            _legend_looks(legend),
            tuple(_looks(a) for a in ax.get_children() if id(a) not in skip),
        ]
    key += [_legend_looks(legend) for legend in figure.legends]
    key += [tuple(_looks(t) for t in figure.texts if id(t) not in skip)]  # suptitle, supxlabel
    return tuple(key)


def _legend_looks(legend: Any) -> Any:
    """A legend's entries and how their handles look (None for no legend)."""
    if legend is None:
        return None
    handles = tuple(map(_looks, getattr(legend, "legend_handles", ())))
    return (tuple(map(_looks, legend.get_texts())), handles)


def _looks(artist: Artist) -> Any:
    """How an artist looks, as far as a still key needs (its kind for the rest)."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgba_array
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    def data(values: Any) -> bytes:
        return np.asarray(values, dtype=float).tobytes()

    def colour(value: Any) -> bytes:
        return data(to_rgba_array(value)) if value is not None else b""

    kind = (type(artist).__name__, artist.get_visible(), artist.get_alpha(), artist.zorder)
    if isinstance(artist, Text):
        place = (artist.get_position(), artist.get_rotation(), artist.get_fontsize())
        return (*kind, artist.get_text(), *place, colour(artist.get_color()))
    if isinstance(artist, Line2D):
        style = (artist.get_linestyle(), artist.get_linewidth(), artist.get_marker())
        return (*kind, data(artist.get_xydata()), colour(artist.get_color()), *style)
    if isinstance(artist, Patch):
        colours = colour(artist.get_facecolor()) + colour(artist.get_edgecolor())
        return (*kind, data(artist.get_path().vertices), colours)
    if isinstance(artist, Collection):
        paths = tuple(data(path.vertices) for path in artist.get_paths())
        colours = colour(artist.get_facecolor()) + colour(artist.get_edgecolor())
        sizes = data(getattr(artist, "get_sizes", tuple)())  # a scatter's markers
        return (*kind, data(artist.get_offsets()), sizes, colours, paths)
    if isinstance(artist, AxesImage):
        return (*kind, data(artist.get_array()), artist.get_cmap().name, artist.get_clim())
    return kind


def _reaches(artist: Artist, ax: Axes, renderer: Any) -> bool:
    """Whether ``artist`` changes or reaches into ``ax``: what does not stays in the pixels.

    Within a pixel (a spine on the edge); an axis always (its ticks touch the Axes, and
    its tight box holds only the labels).
    """
    from matplotlib.axis import Axis

    if artist in _CHANGING or isinstance(artist, Axis):
        return True
    box = artist.get_tightbbox(renderer)
    return box is not None and bool(box.overlaps(ax.bbox.padded(1)))


class LiveFigure:
    """One panel of a live view: the PNG of each new figure of it, drawn cheaply.

    Args:
        dpi: The resolution the figures are drawn at.
        compress_level: zlib's level for the PNG (1: fast, a little larger).

    ``png(figure)`` returns the bytes of a PNG of ``figure``: its ordinary rendering
    (``savefig`` at ``dpi``), pixel for pixel, within the limits the module states.
    ``whole`` counts the figures rendered whole; the others were drawn on kept pixels.
    """

    def __init__(self, dpi: float = 100, compress_level: int = 1) -> None:
        self.dpi = dpi
        self.compress_level = compress_level
        self.whole = 0
        self._key: tuple[Any, ...] | None = None
        self._background: Any = None
        self._positions: list[Any] = []
        self._title_positions: list[Any] = []
        self._each_frame: list[int] = []
        self._lock = threading.Lock()

    def png(self, figure: Figure) -> bytes:
        """The PNG of ``figure`` (built afresh by the caller; it is drawn on here)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        with self._lock:
            figure.set_dpi(self.dpi)
            after, moving = from_first_changing(figure)
            key = still_key(figure, moving)
            canvas = FigureCanvasAgg(figure)
            if key != self._key:
                self._render_still(figure, canvas, after)
                self._key = key
                renderer = canvas.get_renderer()
            else:  # the kept layout and pixels
                figure.set_layout_engine("none")
                for ax, position in zip(figure.axes, self._positions, strict=True):
                    ax.set_position(position)
                titles = [t for ax in figure.axes for t in _titles(ax)]
                for title, place in zip(titles, self._title_positions, strict=True):
                    title.set_position(place)  # where the whole drawing put them
                renderer = canvas.get_renderer()
                np.asarray(renderer.buffer_rgba())[...] = self._background
            for i in self._each_frame:
                after[i][1].draw(renderer)
            return self._encode(canvas)

    def _render_still(self, figure: Figure, canvas: Any, after: list[tuple[Axes, Artist]]) -> None:
        """Render all but what each frame draws; keep the pixels and where the Axes went.

        Each frame draws the changing artists and every still one drawn after them that
        reaches into its Axes (an event's mark, a shock's number, a spine); the rest (a
        legend beside the Axes, a key under it) is kept in the pixels.
        """
        engine = figure.get_layout_engine()
        if engine is not None:
            engine.execute(figure)  # the layout of the whole figure, all of it shown
        figure.set_layout_engine("none")
        renderer = canvas.get_renderer()
        for ax in figure.axes:
            ax.apply_aspect()
        self._each_frame = [i for i, (ax, a) in enumerate(after) if _reaches(a, ax, renderer)]
        hidden = [after[i][1] for i in self._each_frame]
        titles = {id(t) for ax in figure.axes for t in _titles(ax)}
        alphas = {id(a): a.get_alpha() for a in hidden if id(a) in titles}
        visible = {id(a): a.get_visible() for a in hidden if id(a) not in titles}
        try:
            for artist in hidden:  # a title hidden is placed off the figure: made clear
                artist.set_alpha(0.0) if id(artist) in titles else artist.set_visible(False)
            canvas.draw()
        finally:
            for artist in hidden:
                if id(artist) in titles:
                    artist.set_alpha(alphas[id(artist)])
                else:
                    artist.set_visible(visible[id(artist)])
        self._background = np.array(canvas.buffer_rgba())
        self._positions = [ax.get_position() for ax in figure.axes]
        self._title_positions = [t.get_position() for ax in figure.axes for t in _titles(ax)]
        self.whole += 1

    def _encode(self, canvas: Any) -> bytes:
        """The canvas's pixels as PNG bytes."""
        from PIL import Image

        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.save(out, format="png", compress_level=self.compress_level)
        return out.getvalue()

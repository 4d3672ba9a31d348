"""The tweened scatter's names where pages and benches import them; the builder is :mod:`hiddenrep.viz.scatter`.

``t`` runs over ``[0, n_frames - 1]``; each point sits at ``lerp(x[floor t], x[floor t + 1], ease(t - floor t))``
— the easing of :func:`hiddenrep.animate.tween.ease`, so a whole number is exactly that checkpoint's layout and
the in-browser animation matches the exported GIF.
"""

from .scatter import EASE_EXPR, track_letters, tween_scatter

__all__ = ["EASE_EXPR", "track_letters", "tween_scatter"]

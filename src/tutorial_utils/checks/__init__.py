"""Checkers that give students feedback on their exercise answers (exercises 1 to 6).

Each ``check_*`` function (its docstring gives the student's signature) runs the student's
function on seeded inputs and edge cases and compares with an independent reference: the NumPy
implementations in :mod:`tutorial_utils.reference`, closed forms or torch autograd. It prints one
line, or raises ``AssertionError`` naming the case, expected and obtained values, and a hint from
the checker's table of typical mistakes (``MISTAKES``). ``NotImplementedError`` (an unsolved
stub) propagates; a function still running after ``_core.TIME_LIMIT`` seconds is stopped.
"""

from tutorial_utils.checks import adam, clipping, gradients, training
from tutorial_utils.checks._core import Mistake
from tutorial_utils.checks.adam import check_adam_step, check_adamw_step, check_amsgrad_step
from tutorial_utils.checks.clipping import (
    check_adaptive_clip,
    check_clip_by_global_norm,
    check_clip_by_norm,
    check_clip_by_value,
    check_per_example_clip,
)
from tutorial_utils.checks.gradients import (
    check_backprop_norms,
    check_linear_backward,
    check_numerical_gradient,
)
from tutorial_utils.checks.training import (
    check_amp_train_step,
    check_safe_step,
    check_train_step,
    check_warmup_norms,
)

#: Checker name -> its typical mistakes (each a wrong answer with the student's signature and the
#: hint it gets); the wrong-answer tests iterate over this table.
MISTAKES: dict[str, list[Mistake]] = {
    **gradients.MISTAKES,
    **clipping.MISTAKES,
    **adam.MISTAKES,
    **training.MISTAKES,
}

__all__ = [
    "check_numerical_gradient",
    "check_linear_backward",
    "check_backprop_norms",
    "check_clip_by_value",
    "check_clip_by_norm",
    "check_clip_by_global_norm",
    "check_adaptive_clip",
    "check_per_example_clip",
    "check_adam_step",
    "check_amsgrad_step",
    "check_adamw_step",
    "check_train_step",
    "check_safe_step",
    "check_warmup_norms",
    "check_amp_train_step",
]

"""Checkers that give students feedback on their exercise answers.

Each ``check_*`` function takes the student's function, runs it on seeded random inputs and on
edge cases, and compares the results with an independent reference (the NumPy reference
implementations in :mod:`tutorial_utils.reference`, closed-form derivatives, or PyTorch autograd).
On success it prints one line; otherwise it raises ``AssertionError`` naming the case, the
expected and the obtained value, and a hint taken from the checker's table of typical mistakes
(:data:`MISTAKES`). A ``NotImplementedError`` raised by the student's function (an unsolved
exercise) propagates unchanged; a function still running after ``TIME_LIMIT`` seconds is stopped.

===========================  ==  ============================================================
checker                      ex  the student's function
===========================  ==  ============================================================
``check_numerical_gradient``  1   ``numerical_gradient(f, x, h=1e-5)``
``check_linear_backward``    1   ``linear_backward(x, W, b, grad_out)``
``check_backprop_norms``     2   ``backprop_norms(weights, x, grad_output, activation)``
``check_clip_by_value``      3   ``clip_by_value(grads, clip_value)``
``check_clip_by_norm``       3   ``clip_by_norm(grad, max_norm)``
``check_clip_by_global_norm``  3   ``clip_by_global_norm(grads, max_norm, norm_type=2.0)``
``check_adaptive_clip``      3b  ``adaptive_clip(grads, params, clip_factor, eps)``
``check_per_example_clip``   3b  ``per_example_clip(grads, max_norm, noise_multiplier, rng)``
``check_adam_step``          4   ``adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)``
``check_amsgrad_step``       5   ``amsgrad_step(param, grad, m, v, v_max, t, ...)``
``check_adamw_step``         5   ``adamw_step(..., weight_decay, decoupled)``
``check_train_step``         6   ``train_step(model, loss_fn, optimizer, x, y, max_norm)``
===========================  ==  ============================================================
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
from tutorial_utils.checks.training import check_train_step

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
]

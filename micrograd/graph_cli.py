"""The old home of ``micrograd graph``. The command lives in ``micrograd/cli/graph.py``
and the expression parser in ``micrograd/expression.py``; this module keeps old imports
working."""

from micrograd.cli.graph import (  # noqa: F401
    FLAGS,
    OPTIONS_WITH_A_VALUE,
    add_parser,
    protect_expression,
    run,
)
from micrograd.cli.graph import assignment as _assignment  # noqa: F401
from micrograd.expression import (  # noqa: F401
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    OPERATORS,
    ExpressionError,
    names_in,
    parse_expression,
)

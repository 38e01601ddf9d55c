"""Read-your-writes: a read may wait until the views include a given log position.

A hot standby whose views already hold it answers without waiting; otherwise the
primary's views are waited for (interfaces/read_sides.py).
"""

from __future__ import annotations

from domain.errors import ChuishaoError, InvalidValue
from interfaces.bootstrap import Container
from interfaces.read_sides import PRIMARY, Reading

WAIT_SECONDS = 5.0


class ViewsBehind(ChuishaoError):
    code = "views_behind"

    def __init__(self, position: int) -> None:
        super().__init__(
            f"统计视图尚未处理到位置 {position}，请稍后重试",
            f"the views have not reached log position {position} yet",
        )


def wait_for_position(c: Container, position: int | None) -> Reading:
    """Where to read views that include ``position`` (none: any copy within the lag
    bound); raises ``ViewsBehind`` if the primary's views do not get there in time."""
    if position and position > c.projector.head():
        raise InvalidValue(
            f"日志位置 {position} 尚不存在", f"log position {position} does not exist"
        )
    reading = c.reading(position or 0)
    if not position or reading.name != PRIMARY:
        return reading
    try:
        c.projector.wait(position, timeout=WAIT_SECONDS)
    except TimeoutError:
        raise ViewsBehind(position) from None
    return reading

"""Read-your-writes: a read may wait until the views include a given log position."""

from __future__ import annotations

from domain.errors import ChuishaoError, InvalidValue
from interfaces.bootstrap import Container

WAIT_SECONDS = 5.0


class ViewsBehind(ChuishaoError):
    code = "views_behind"

    def __init__(self, position: int) -> None:
        super().__init__(
            f"统计视图尚未处理到位置 {position}，请稍后重试",
            f"the views have not reached log position {position} yet",
        )


def wait_for_position(c: Container, position: int | None) -> None:
    if not position:
        return
    if position > c.projector.head():
        raise InvalidValue(
            f"日志位置 {position} 尚不存在", f"log position {position} does not exist"
        )
    try:
        c.projector.wait(position, timeout=WAIT_SECONDS)
    except TimeoutError:
        raise ViewsBehind(position) from None

from typing import Any


def seed_volunteers(seeder: Any) -> None:
    pass

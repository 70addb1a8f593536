"""Who meets at which gathering: the sessions of the launch workshop, the co-design workshops,
the provincial learning events each member attends and the topics of each virtual workshop.

The evaluation's table of key events (Gasana et al. 2024) says how many of each the TPN held;
how teams are shared among them is not published, so each rule below is an assumption with a
parameter of :class:`sim.params.Schedule`:

- launch: ``launch_sessions`` sessions, shared among the months in which teams launch in
  proportion to the teams launching (at least one a month); within a month the teams, in
  province order, are split into sessions of near-equal size (55 teams launching together: 4
  sessions of 14, 14, 14 and 13);
- co-design: one workshop per kind of institution in ``co_design_teams``, for the invited
  number of teams, at most the enrolled members of that kind;
- provincial events: one per province, except that members of a province in
  ``provincial_event_joins`` attend the events of the province it names;
- virtual workshops: each teaches the ``virtual_event_topics`` topics most members chose at
  launch, taken in turn from the most chosen and starting again once every chosen topic had one.

:mod:`sim.calendar` plans these gatherings; :mod:`sim.delivery` holds them.
"""

from dataclasses import dataclass

import numpy as np

from sim.params import Schedule


@dataclass(frozen=True)
class Gatherings:
    """Who attends which gathering, fixed at set-up."""

    launch_session: np.ndarray  # (N,) launch session each enrolled team attends, -1 if none
    session_month: np.ndarray  # (S,) model month of each launch session
    co_design_teams: np.ndarray  # (W,) teams at each co-design workshop, in parameter order
    event_province: np.ndarray  # (N,) province (index) whose provincial events each attends
    topic_ranking: np.ndarray  # topics chosen at launch, most chosen first (ties: catalogue)
    topics_per_virtual_event: int  # 0: every topic

    def virtual_event_topics(self, ordinal: int, topic_count: int) -> np.ndarray:
        """(K,) bool: the topics taught at virtual workshop number ``ordinal`` (from 0)."""
        per_event = self.topics_per_virtual_event
        if per_event == 0:
            return np.ones(topic_count, dtype=bool)
        taught = np.zeros(topic_count, dtype=bool)
        ranking = self.topic_ranking
        if len(ranking):
            taught[ranking[(ordinal * per_event + np.arange(per_event)) % len(ranking)]] = True
        return taught

    def virtual_topics(self, rows: np.ndarray, topic_count: int) -> np.ndarray:
        """(rows, K) bool: the topics taught at each virtual workshop of ``rows`` (plan rows)."""
        return np.stack([self.virtual_event_topics(int(n), topic_count) for n in rows["session"]])


def gatherings(
    schedule: Schedule,
    kind: np.ndarray,
    province_names: tuple[str, ...],
    province_index: np.ndarray,
    launch: np.ndarray,
    enrolled: np.ndarray,
    rising: np.ndarray,
) -> Gatherings:
    """Who attends what, from the schedule, the teams' launch months and their priorities
    (``rising``, (N, K), of the enrolled teams at launch)."""
    session, months = launch_sessions(schedule.launch_sessions, launch, enrolled, province_index)
    invited = [
        min(teams, int((enrolled & (kind == group)).sum()))
        for group, teams in schedule.co_design_teams.items()
    ]
    return Gatherings(
        launch_session=session,
        session_month=months,
        co_design_teams=np.array(invited, dtype=np.int64),
        event_province=event_provinces(
            schedule.provincial_event_joins, province_names, province_index
        ),
        topic_ranking=topic_ranking(rising),
        topics_per_virtual_event=schedule.virtual_event_topics,
    )


def launch_sessions(
    sessions: int, launch: np.ndarray, enrolled: np.ndarray, province_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The launch session of each team (-1 if not enrolled) and the month of each session."""
    session = np.full(len(launch), -1, dtype=np.int64)
    months: list[int] = []
    teams = np.flatnonzero(enrolled)
    for month in np.unique(launch[teams]):
        group = teams[launch[teams] == month]
        group = group[np.argsort(province_index[group], kind="stable")]
        count = min(max(1, round(sessions * len(group) / len(teams))), len(group))
        for part in np.array_split(group, count):
            session[part] = len(months)
            months.append(int(month))
    return session, np.array(months, dtype=np.int64)


def event_provinces(
    joins: dict[str, str], province_names: tuple[str, ...], province_index: np.ndarray
) -> np.ndarray:
    """(N,) the province whose provincial events each institution attends (its own, or the
    one its province joins); names are checked against the world by :mod:`sim.scenario`."""
    host = np.arange(len(province_names))
    for province, joined in joins.items():
        host[province_names.index(province)] = province_names.index(joined)
    return host[province_index]


def topic_ranking(rising: np.ndarray) -> np.ndarray:
    """Topics with at least one chooser, most chosen first (ties in catalogue order)."""
    choosers = rising.sum(axis=0)
    order = np.argsort(-choosers, kind="stable")
    return order[choosers[order] > 0]

"""The one seeded history generator: cases planned as steps, issued as ``CaseService`` commands.

Every event is the result of a command on a simulated clock (never an inserted row). Two
mixes plan the steps (``steps.Step``) that ``commands.execute`` issues:

* ``busy_district``: what the benchmark loads — one random stream per case, so any process
  can load any slice of lanes (``loading.run_simulated``);
* ``edge_cases``: what the projection tests drive (``HistoryGenerator``) — one stream for
  the whole history, with the boundaries a recount must agree on: reports on a month
  boundary in Beijing time, actions exactly on or a microsecond past a deadline, quick fixes,
  pledges before any response, duplicates after resolution, reopenings that escalate.
"""

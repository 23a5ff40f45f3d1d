"""Plans and their tasks (DESIGN §13): the one engine for every recurring piece of field work.

A `Plan` says what is done (a checklist), to what (targets: devices, checkpoints of a route, rooms),
how often (a recurrence, python-dateutil's rrule), in which time window, by whom (a person or a
role) and how far ahead its tasks are made. Maintenance plans (FM-2), patrols (FM-3, FM-5),
renovation site patrols and quality inspections are plans of different kinds: an app registers its
kind (`register_kind`) and gives the targets; the engine makes the tasks, records what was found
and derives each task's state from the clock.

Tasks are made by the calendar: `tasks_generate()` creates every occurrence from the plan's start
(or the last one made) up to its horizon, idempotently (one task per plan and nominal date, a
unique constraint; conflicts ignored), and the task lists call it before they read, so no day is
missing because a job did not run. Pending / in progress / done / overdue / missed is derived from
the clock at read time (`Task.objects.with_state()`), never stored by a job.
"""

#!/usr/bin/env python3
"""bench/workflow-json.py STEPS PHASES TITLE — writes a workflow document (the format
`waymark import workflow` reads) of STEPS steps spread evenly over PHASES phases, with
realistic Markdown instructions, mixed kinds, completion and evidence rules, and a manager
prompt on every step. Deterministic.
"""
import json, sys

nsteps, nphases, title = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
steps_per_phase = nsteps // nphases
spacing = 10  # days between phase starts

kinds = ["learn", "experiment", "practise", "reflect", "discuss", "coach", "checkpoint"]
phases = []
n = 0
for p in range(nphases):
    steps = []
    for s in range(steps_per_phase):
        n += 1
        release = p * spacing + s // 3
        steps.append({
            "kind": kinds[n % len(kinds)],
            "title": f"Step {n}: try the technique with one colleague and note what happened",
            "instructions": ("## What to do\n\nPick **one** conversation this week where the "
                             "technique fits. Before it, write down the behaviour you will "
                             "describe and the impact it had. Afterwards, note what the other "
                             "person said and what you would do differently.\n\n- Keep it short"
                             "\n- Be specific\n- Ask for their view first\n"),
            "link_url": "https://example.com/library/feedback" if n % 5 == 0 else None,
            "release_offset_days": release,
            "due_offset_days": release + 3,
            "effort_minutes": 10 + n % 30,
            "completion": "manager_signoff" if n % 10 == 0 else "self",
            "evidence": ["none", "optional", "required"][n % 3],
            "manager_prompt": "Ask which conversation they chose and what they noticed.",
        })
    phases.append({"name": f"Week {p + 1}", "steps": steps})
print(json.dumps({"format": "waymark-workflow", "format_version": 1,
                  "title": title, "outcome": "Gives specific feedback",
                  "description": "A benchmark workflow.", "pacing": "working_days",
                  "phases": phases}))

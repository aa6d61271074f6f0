#!/usr/bin/env python3
"""Rewrites README.md's lesson table (between <!-- lessons --> and <!-- /lessons -->) and the
sentence after it from web/public/lessons/index.json, each lesson file and pending.json.
Run it after adding a lesson to index.json (cli.Course_TheReadmeListsTheLessonsOfTheCoursePage
checks the table). Usage: python3 scripts/lesson-table.py [--check]"""
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
lessons = root / "web" / "public" / "lessons"
index = json.loads((lessons / "index.json").read_text())["lessons"]
pending = json.loads((lessons / "pending.json").read_text())["pending"]

rows = ["| lesson | chapter | title | answers |", "|---|---|---|---|"]
for entry in index:
    lesson = json.loads((lessons / (entry["id"] + ".json")).read_text())["lesson"]
    questions = lesson.get("questions") or []
    answers = ", ".join(questions) if questions else "warm-up"
    rows.append(f"| `{entry['id']}` | {lesson.get('chapter', '')} | {entry['title']} | {answers} |")

answered = 48 - len(pending)
if len(pending) == 1:
    tail = (f"{answered} of the 48 questions have a lesson; `web/public/lessons/pending.json` lists the\n"
            "other one with what it waits for.")
elif pending:
    tail = (f"{answered} of the 48 questions have a lesson; `web/public/lessons/pending.json` lists the\n"
            f"other {len(pending)} with what each waits for.")
else:
    tail = "All 48 questions have a lesson."

readme_path = root / "README.md"
readme = readme_path.read_text()
pattern = re.compile(r"(<!-- lessons -->\n).*?(<!-- /lessons -->\n)\n.*?\n\n", re.S)
if not pattern.search(readme):
    sys.exit("README.md: no <!-- lessons --> ... <!-- /lessons --> table followed by a paragraph")
new = pattern.sub(lambda m: m.group(1) + "\n".join(rows) + "\n" + m.group(2) + "\n" + tail + "\n\n", readme, count=1)
if "--check" in sys.argv:
    if new != readme:
        sys.exit("README.md's lesson table is out of date: run python3 scripts/lesson-table.py")
    print("README.md's lesson table is up to date")
else:
    readme_path.write_text(new)
    print(f"README.md: {len(index)} lessons, {answered} of 48 questions answered")

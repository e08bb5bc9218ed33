"""50 clinic users on the main pages and the API (bench/load_test.sh runs it headless).

Each simulated user signs in as a demo physician and works like one: searches, opens
charts and their sections, reads the assessment and consultation pages, calls the API."""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

SEARCHES = ["khan", "ahmed", "malik", "ISB-0001", "0300", "hussain", "raza"]


class Physician(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        # python -m bench signs in once and passes the session: 50 sign-ins (each an argon2
        # hash on purpose) would be the load test's main work on two cores.
        session = os.environ.get("BENCH_SESSIONID", "")
        if session:
            self.client.cookies.set("sessionid", session)
        else:
            self.client.get("/login/", name="/login/")
            token = self.client.cookies.get("csrftoken", "")
            self.client.post(
                "/login/",
                {
                    "username": "physician",
                    "password": "scarclinic-demo",
                    "csrfmiddlewaretoken": token,
                },
                name="/login/ (sign in)",
            )
        # python -m bench passes patients of the physician's clinic; else the demo's first ids.
        ids = os.environ.get("BENCH_PATIENT_IDS", "")
        self.patient_ids = [int(i) for i in ids.split(",") if i] or list(range(1, 200))

    @task(4)
    def search(self) -> None:
        self.client.get(f"/patients/?q={random.choice(SEARCHES)}", name="/patients/?q=")

    @task(4)
    def chart(self) -> None:
        patient = random.choice(self.patient_ids)
        self.client.get(f"/patients/{patient}/", name="/patients/[id]/")
        self.client.get(f"/assessments/patient/{patient}/section/", name="assessment section")
        self.client.get(f"/assessments/photos/patient/{patient}/section/", name="photo section")
        self.client.get(f"/consultation/patient/{patient}/section/", name="consultation section")

    @task(2)
    def consultation(self) -> None:
        patient = random.choice(self.patient_ids)
        self.client.get(f"/consultation/patient/{patient}/", name="/consultation/patient/[id]/")

    @task(2)
    def api(self) -> None:
        self.client.get("/api/v1/patients?q=kh", name="/api/v1/patients")
        patient = random.choice(self.patient_ids)
        self.client.get(
            f"/api/v1/assessments/patient/{patient}", name="/api/v1/assessments/patient/[id]"
        )

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/")

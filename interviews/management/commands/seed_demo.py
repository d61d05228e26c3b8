"""Creates two realistic demo templates: a backend-engineer interview in English and in Korean."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from interviews.models import InterviewTemplate, RubricCriterion, TemplateQuestion

RUBRIC = {
    "en": [
        ("Technical depth", "Understands systems they built: data models, failure modes, trade-offs.", 2.0),
        ("Problem solving", "Breaks problems down, reasons about options, checks assumptions.", 1.5),
        ("Communication", "Explains clearly and concisely, adapts to the listener.", 1.0),
        ("Ownership", "Takes responsibility for outcomes, learns from incidents.", 1.0),
    ],
    "ko": [
        ("기술 깊이", "자신이 만든 시스템의 데이터 모델, 장애 양상, 트레이드오프를 이해한다.", 2.0),
        ("문제 해결", "문제를 나누고, 선택지를 비교하며, 가정을 확인한다.", 1.5),
        ("의사소통", "명확하고 간결하게 설명하며 듣는 사람에 맞춘다.", 1.0),
        ("주인의식", "결과에 책임을 지고 장애에서 배운다.", 1.0),
    ],
}
QUESTIONS = {
    "en": [
        "To start, could you walk me through a backend system you built recently and your part in it?",
        "How did you design the data model for that system, and what would you change today?",
        "Tell me about a production incident you handled. What happened and what did you learn?",
        "How do you make an API fast and reliable under heavy load?",
        "How do you review code and help teammates grow?",
    ],
    "ko": [
        "먼저 최근에 만든 백엔드 시스템과 그 안에서 맡은 역할을 설명해 주시겠어요?",
        "그 시스템의 데이터 모델은 어떻게 설계하셨고, 지금이라면 무엇을 바꾸시겠어요?",
        "직접 대응했던 운영 장애에 대해 말씀해 주세요. 무슨 일이 있었고 무엇을 배우셨나요?",
        "높은 부하에서도 API를 빠르고 안정적으로 만들기 위해 어떻게 하시나요?",
        "코드 리뷰는 어떻게 하시고, 동료의 성장을 어떻게 도우시나요?",
    ],
}
TEMPLATES = {
    "en": {
        "slug": "backend-engineer-en",
        "title": "Backend Engineer — first interview",
        "role": "Senior Backend Engineer",
        "job_description": "Design, build and operate the Python and Go services behind our payments "
        "platform: APIs, data pipelines, PostgreSQL, Redis and queues, with on-call rotation.",
        "persona": "You are Alex, a warm senior engineer at the company. Keep questions short and concrete.",
    },
    "ko": {
        "slug": "backend-engineer-ko",
        "title": "백엔드 엔지니어 1차 면접",
        "role": "시니어 백엔드 엔지니어",
        "job_description": "결제 플랫폼을 뒷받침하는 Python/Go 서비스의 설계, 개발, 운영: API, 데이터 "
        "파이프라인, PostgreSQL, Redis, 메시지 큐, 온콜 포함.",
        "persona": "당신은 회사의 친절한 시니어 엔지니어 민준입니다. 질문은 짧고 구체적으로 하세요.",
    },
}


class Command(BaseCommand):
    help = "Create (or refresh) the two demo interview templates."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for language, fields in TEMPLATES.items():
            template, created = InterviewTemplate.objects.update_or_create(
                slug=fields["slug"],
                # English shows hands-free turn-taking, Korean push-to-talk: both modes in one demo.
                defaults={**fields, "language": language, "time_limit_minutes": 20, "hands_free": language == "en"},
            )
            template.questions.all().delete()
            template.criteria.all().delete()
            TemplateQuestion.objects.bulk_create(
                TemplateQuestion(template=template, position=position, text=text, follow_up_depth=1)
                for position, text in enumerate(QUESTIONS[language])
            )
            RubricCriterion.objects.bulk_create(
                RubricCriterion(template=template, position=position, name=name, description=description, weight=weight)
                for position, (name, description, weight) in enumerate(RUBRIC[language])
            )
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb} template {template.slug} (id {template.pk})")

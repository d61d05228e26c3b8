"""Creates three realistic demo templates: a backend-engineer interview in English, Korean and Japanese."""

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
    "ja": [
        ("技術的な深さ", "自分が作ったシステムのデータモデル、障害の起こり方、トレードオフを理解している。", 2.0),
        ("問題解決", "問題を分解し、選択肢を比較し、前提を確かめる。", 1.5),
        ("コミュニケーション", "明確かつ簡潔に説明し、聞き手に合わせる。", 1.0),
        ("オーナーシップ", "結果に責任を持ち、障害から学ぶ。", 1.0),
    ],
}
# What each point of the 1-5 scale means per criterion, lowest first (what the evaluator is held to).
ANCHORS = {
    "Technical depth": (
        "Cannot describe how a system they worked on works, or gets the basics wrong.",
        "Describes the system only at a high level: no data model, failure modes or trade-offs of their own.",
        "Explains the data model or a failure mode of a system they built, with gaps.",
        "Explains the data model, failure modes and a trade-off they made, with concrete numbers or examples.",
        "As 4, and weighs the alternatives they rejected and what they would change, with evidence from production.",
    ),
    "Problem solving": (
        "No approach to the problem, or only guesses.",
        "Names a generic fix without breaking the problem down or checking assumptions.",
        "Breaks the problem into parts and picks an option, with little comparison or checking.",
        "Breaks it down, compares options with reasons, and checks assumptions with measurements.",
        "As 4, and anticipates failure cases and verifies the result against the original goal.",
    ),
    "Communication": (
        "Hard to follow, or does not address the question.",
        "Addresses the question partly; too rambling or too terse to follow the reasoning.",
        "Clear enough, with some detours or missing structure.",
        "Clear, structured and concise; the examples fit the question.",
        "Clear and concise throughout, at the right level of detail for the listener.",
    ),
    "Ownership": (
        "Describes the work only as what others did or what happened to them.",
        "Mentions their part, but takes no responsibility for outcomes or incidents.",
        "Takes responsibility for their part of an outcome; little on what they learned.",
        "Owns an outcome or an incident end to end, and says what they changed afterwards.",
        "As 4, and changed how the team works so it cannot recur, and helped others learn from it.",
    ),
    "기술 깊이": (
        "자신이 일한 시스템이 어떻게 동작하는지 설명하지 못하거나 기본을 틀린다.",
        "시스템을 개괄적으로만 설명한다: 자신이 다룬 데이터 모델, 장애 양상, 트레이드오프가 없다.",
        "자신이 만든 시스템의 데이터 모델이나 장애 양상을 설명하지만 빈틈이 있다.",
        "데이터 모델, 장애 양상, 자신이 내린 트레이드오프를 구체적인 수치나 예와 함께 설명한다.",
        "4점에 더해, 버린 대안과 지금이라면 바꿀 점을 운영에서 얻은 근거와 함께 따진다.",
    ),
    "문제 해결": (
        "문제에 대한 접근이 없거나 추측뿐이다.",
        "문제를 나누거나 가정을 확인하지 않고 일반적인 해결책만 말한다.",
        "문제를 나누고 선택지를 고르지만 비교나 확인이 부족하다.",
        "문제를 나누고, 선택지를 근거와 함께 비교하며, 측정으로 가정을 확인한다.",
        "4점에 더해, 실패 경우를 예상하고 결과를 원래 목표에 비추어 검증한다.",
    ),
    "의사소통": (
        "따라가기 어렵거나 질문에 답하지 않는다.",
        "질문에 일부만 답한다: 너무 장황하거나 짧아서 논리를 따라가기 어렵다.",
        "대체로 명확하지만 곁가지나 구조가 부족한 부분이 있다.",
        "명확하고 구조적이며 간결하다. 예가 질문에 맞는다.",
        "처음부터 끝까지 명확하고 간결하며, 듣는 사람에게 맞는 수준으로 설명한다.",
    ),
    "주인의식": (
        "일을 다른 사람이 한 일이나 자신에게 일어난 일로만 말한다.",
        "자신의 역할은 말하지만 결과나 장애에 대한 책임은 지지 않는다.",
        "결과 중 자신의 몫에 책임을 지지만 배운 점은 거의 없다.",
        "결과나 장애를 처음부터 끝까지 책임지고, 그 뒤에 무엇을 바꿨는지 말한다.",
        "4점에 더해, 재발하지 않도록 팀의 일하는 방식을 바꾸고 다른 사람이 배우도록 도왔다.",
    ),
    "技術的な深さ": (
        "自分が関わったシステムの仕組みを説明できない、または基本を誤っている。",
        "システムを概要でしか説明できない。自分で扱ったデータモデル、障害の起こり方、トレードオフがない。",
        "自分が作ったシステムのデータモデルか障害の起こり方を説明するが、抜けがある。",
        "データモデル、障害の起こり方、自分が選んだトレードオフを、具体的な数値や例とともに説明する。",
        "4に加えて、採らなかった選択肢と今なら変える点を、本番環境での根拠とともに検討する。",
    ),
    "問題解決": (
        "問題への取り組み方がない、または推測だけである。",
        "問題を分解せず前提も確かめずに、一般的な解決策だけを挙げる。",
        "問題を分解して選択肢を選ぶが、比較や確認が足りない。",
        "問題を分解し、根拠とともに選択肢を比較し、計測で前提を確かめる。",
        "4に加えて、失敗のケースを予測し、結果を元の目的に照らして検証する。",
    ),
    "コミュニケーション": (
        "話についていくのが難しい、または質問に答えていない。",
        "質問に一部だけ答える。冗長すぎる、または短すぎて筋道を追えない。",
        "おおむね明確だが、脱線や構成の不足がある。",
        "明確で構成があり簡潔である。例が質問に合っている。",
        "最初から最後まで明確かつ簡潔で、聞き手に合った詳しさで説明する。",
    ),
    "オーナーシップ": (
        "仕事を他人がしたことや自分に起きたこととしてしか語らない。",
        "自分の役割には触れるが、結果や障害への責任は負わない。",
        "結果のうち自分の担当分には責任を持つが、学んだことはほとんどない。",
        "結果や障害に最初から最後まで責任を持ち、その後に何を変えたかを語る。",
        "4に加えて、再発しないようチームの進め方を変え、他の人が学べるよう支援した。",
    ),
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
    "ja": [
        "まず、最近作ったバックエンドのシステムと、その中でのあなたの役割を説明していただけますか?",
        "そのシステムのデータモデルはどのように設計しましたか?今なら何を変えますか?",
        "対応した本番障害について教えてください。何が起きて、何を学びましたか?",
        "高い負荷の下でも API を速く安定させるために、どのようなことをしますか?",
        "コードレビューはどのように行い、チームメンバーの成長をどう支えていますか?",
    ],
}
TEMPLATES = {
    "en": {
        "slug": "backend-engineer-en",
        "title": "Backend Engineer — first interview",
        "role": "Senior Backend Engineer",
        "job_description": "Design, build and operate the Python and Go services behind our payments "
        "platform: APIs, data pipelines, PostgreSQL, Redis and queues, with on-call rotation.",
        "persona": "You are Alex, the company's AI interviewer: friendly and calm. Keep questions short and "
        "concrete. If asked, say that you are an AI and that a person on the hiring team reviews the interview.",
        "what_happens_next": "The hiring team reviews every interview within five working days and will email "
        "you about the next step.",
    },
    "ko": {
        "slug": "backend-engineer-ko",
        "title": "백엔드 엔지니어 1차 면접",
        "role": "시니어 백엔드 엔지니어",
        "job_description": "결제 플랫폼을 뒷받침하는 Python/Go 서비스의 설계, 개발, 운영: API, 데이터 "
        "파이프라인, PostgreSQL, Redis, 메시지 큐, 온콜 포함.",
        "persona": "당신은 회사의 AI 면접관 민준입니다. 친절하고 차분하게, 질문은 짧고 구체적으로 하세요. "
        "물어보면 AI라는 것과 채용팀의 사람이 면접을 검토한다는 것을 밝히세요.",
        "what_happens_next": "채용팀이 영업일 기준 5일 안에 모든 면접을 검토하고 다음 단계를 이메일로 안내해 드립니다.",
    },
    "ja": {
        "slug": "backend-engineer-ja",
        "title": "バックエンドエンジニア 一次面接",
        "role": "シニアバックエンドエンジニア",
        "job_description": "決済プラットフォームを支える Python と Go のサービスの設計・開発・運用: API、データ"
        "パイプライン、PostgreSQL、Redis、メッセージキュー、オンコール対応を含む。",
        "persona": "あなたは会社のAI面接官、さくらです。親しみやすく落ち着いた口調で、質問は短く具体的にしてください。"
        "尋ねられたら、AIであることと、採用チームの人が面接を確認することを伝えてください。",
        "what_happens_next": "採用チームが5営業日以内にすべての面接を確認し、次のステップをメールでご案内します。",
    },
}


class Command(BaseCommand):
    help = "Create (or refresh) the three demo interview templates."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for language, fields in TEMPLATES.items():
            template, created = InterviewTemplate.objects.update_or_create(
                slug=fields["slug"],
                # English shows hands-free turn-taking, Korean and Japanese push-to-talk: both modes in one
                # demo (the end-of-turn rules know English and Korean words, not Japanese ones yet).
                defaults={**fields, "language": language, "time_limit_minutes": 20, "hands_free": language == "en"},
            )
            template.questions.all().delete()
            template.criteria.all().delete()
            TemplateQuestion.objects.bulk_create(
                TemplateQuestion(template=template, position=position, text=text, follow_up_depth=1)
                for position, text in enumerate(QUESTIONS[language])
            )
            RubricCriterion.objects.bulk_create(
                RubricCriterion(
                    template=template,
                    position=position,
                    name=name,
                    description=description,
                    weight=weight,
                    anchors=list(ANCHORS[name]),
                )
                for position, (name, description, weight) in enumerate(RUBRIC[language])
            )
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb} template {template.slug} (id {template.pk})")

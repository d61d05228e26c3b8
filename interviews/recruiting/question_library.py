"""The offline plan drafter's library: role families, a skills vocabulary, question patterns and
criteria with per-point anchors, in English and Korean.

It is the plan a recruiter starts from when no language model is configured, so it favours
questions that work for most people in a role family (behavioural, "tell me about a time") over
clever ones, and anchors that describe observable evidence, lowest point first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- skills found in a job description -----------------------------------------------------------


@dataclass(frozen=True)
class Skill:
    name: str  # as it is written in a question (English and Korean alike, unless `name_ko`)
    pattern: re.Pattern[str]
    name_ko: str = ""
    technical: bool = True  # a tool or technique (asked about as "a project where you used ...")

    def display(self, language: str) -> str:
        return self.name_ko if language == "ko" and self.name_ko else self.name


def _skill(name: str, *aliases: str, name_ko: str = "", technical: bool = True, case: bool = False) -> Skill:
    words = [re.escape(word) for word in (name, *aliases)]
    # Letters next to the match end it (so "Java" is not found in "JavaScript"), symbols do not
    # ("C++", "Node.js", "Python/Go").
    pattern = re.compile(rf"(?<![\w+#.])(?:{'|'.join(words)})(?![\w+#])", 0 if case else re.IGNORECASE)
    return Skill(name=name, pattern=pattern, name_ko=name_ko, technical=technical)


SKILLS: tuple[Skill, ...] = (
    _skill("Python"),
    # "Go" only with its capital and not as the verb in "Go-to-market": case-sensitive, and Golang.
    Skill(name="Go", pattern=re.compile(r"(?<![\w.])(?:Go(?![\w-])|[Gg]olang)")),
    _skill("Java"),
    _skill("JavaScript"),
    _skill("TypeScript"),
    _skill("C++"),
    _skill("C#"),
    _skill("Kotlin"),
    _skill("Swift"),
    _skill("Rust"),
    _skill("Ruby"),
    _skill("PHP"),
    _skill("Scala"),
    _skill("SQL"),
    _skill("PostgreSQL", "Postgres"),
    _skill("MySQL"),
    _skill("MongoDB"),
    _skill("Redis"),
    _skill("Kafka"),
    _skill("RabbitMQ"),
    _skill("message queues", "queues", "메시지 큐", name_ko="메시지 큐"),
    _skill("Elasticsearch"),
    _skill("Spark"),
    _skill("Airflow"),
    _skill("dbt"),
    _skill("Snowflake"),
    _skill("BigQuery"),
    _skill("data pipelines", "data pipeline", "데이터 파이프라인", name_ko="데이터 파이프라인"),
    _skill("AWS"),
    _skill("GCP", "Google Cloud"),
    _skill("Azure"),
    _skill("Kubernetes", "k8s"),
    _skill("Docker"),
    _skill("Terraform"),
    _skill("Linux"),
    _skill("CI/CD"),
    _skill("React"),
    _skill("Vue"),
    _skill("Angular"),
    _skill("Node.js", "NodeJS"),
    _skill("Django"),
    _skill("FastAPI"),
    _skill("Spring"),
    _skill("GraphQL"),
    _skill("APIs", "API", "REST"),
    _skill("microservices"),
    _skill("payments", "결제", name_ko="결제 시스템"),
    _skill("security", "보안", name_ko="보안"),
    _skill("on-call", "온콜", name_ko="온콜 대응"),
    _skill("machine learning", "ML", "머신러닝", name_ko="머신러닝"),
    _skill("deep learning", "딥러닝", name_ko="딥러닝"),
    _skill("PyTorch"),
    _skill("TensorFlow"),
    _skill("statistics", "statistical", "통계", name_ko="통계"),
    _skill("A/B testing", "A/B tests", "experimentation", "A/B 테스트", name_ko="A/B 테스트"),
    _skill("Tableau"),
    _skill("Power BI"),
    _skill("Excel"),
    _skill("Figma"),
    _skill("user research", "사용자 리서치", name_ko="사용자 리서치"),
    _skill("prototyping", "prototypes", "프로토타입", name_ko="프로토타이핑"),
    _skill("design systems", "design system", "디자인 시스템", name_ko="디자인 시스템"),
    _skill("Salesforce"),
    _skill("HubSpot"),
    _skill("CRM"),
    _skill("SEO"),
    _skill("roadmaps", "roadmap", "로드맵", name_ko="로드맵", technical=False),
    _skill("stakeholder management", "stakeholders", "이해관계자", name_ko="이해관계자 관리", technical=False),
    _skill("negotiation", "negotiating", "협상", name_ko="협상", technical=False),
    _skill("prospecting", "pipeline generation", name_ko="잠재 고객 발굴", technical=False),
    _skill("agile", "Scrum", "애자일", name_ko="애자일", technical=False),
)


def skills_in(text: str) -> list[Skill]:
    """The vocabulary's skills that `text` mentions, in the order it first mentions them."""
    found = [(match.start(), skill) for skill in SKILLS if (match := skill.pattern.search(text))]
    return [skill for _position, skill in sorted(found, key=lambda item: item[0])]


# --- criteria --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionPattern:
    name: dict[str, str]
    description: dict[str, str]
    anchors: dict[str, tuple[str, str, str, str, str]]  # scale points 1..5, lowest first


CRITERIA: dict[str, CriterionPattern] = {
    "technical_depth": CriterionPattern(
        name={"en": "Technical depth", "ko": "기술 깊이"},
        description={
            "en": "Understands the systems they built: design, data, failure modes and trade-offs.",
            "ko": "자신이 만든 시스템의 설계, 데이터, 장애 양상, 트레이드오프를 이해한다.",
        },
        anchors={
            "en": (
                "Names tools but cannot explain how anything they worked on works.",
                "Describes their work at the surface; trade-offs only when prompted, and vaguely.",
                "Explains a system they built with concrete details and at least one trade-off.",
                "Explains design choices, failure modes and alternatives, with numbers or examples.",
                "Reasons from first principles across several systems; teaches the listener something.",
            ),
            "ko": (
                "도구 이름만 말할 뿐 자신이 다룬 것이 어떻게 동작하는지 설명하지 못한다.",
                "겉으로 드러난 내용만 설명하고, 트레이드오프는 질문을 받아야 막연하게 말한다.",
                "자신이 만든 시스템을 구체적으로 설명하고 트레이드오프를 하나 이상 든다.",
                "설계 선택, 장애 양상, 대안을 수치나 사례와 함께 설명한다.",
                "여러 시스템에 걸쳐 원리부터 추론하며 듣는 사람이 새로 배울 만한 통찰을 준다.",
            ),
        },
    ),
    "problem_solving": CriterionPattern(
        name={"en": "Problem solving", "ko": "문제 해결"},
        description={
            "en": "Breaks problems down, weighs options, checks assumptions and learns from the outcome.",
            "ko": "문제를 나누고, 선택지를 비교하며, 가정을 확인하고 결과에서 배운다.",
        },
        anchors={
            "en": (
                "Gives no approach, or jumps to an answer without reasons.",
                "Follows one idea; options and assumptions appear only when asked.",
                "Breaks the problem down and compares two options with reasons.",
                "Structures the problem, tests assumptions and explains why the chosen path won.",
                "Reframes the problem itself, anticipates risks and says how they would know it worked.",
            ),
            "ko": (
                "접근 방법을 말하지 못하거나 이유 없이 답으로 건너뛴다.",
                "한 가지 생각만 따라가며 선택지와 가정은 질문을 받아야 나온다.",
                "문제를 나누고 두 가지 선택지를 이유와 함께 비교한다.",
                "문제를 구조화하고 가정을 검증하며 선택한 방법이 나은 이유를 설명한다.",
                "문제 자체를 새롭게 정의하고 위험을 예측하며 성공을 어떻게 확인할지 말한다.",
            ),
        },
    ),
    "communication": CriterionPattern(
        name={"en": "Communication", "ko": "의사소통"},
        description={
            "en": "Answers the question asked, clearly and concisely, and adapts to the listener.",
            "ko": "질문에 맞게 명확하고 간결하게 답하며 듣는 사람에 맞춘다.",
        },
        anchors={
            "en": (
                "Answers are hard to follow or do not address the question.",
                "Addresses the question but rambles or skips the point.",
                "Clear, structured answers with a beginning, a point and an example.",
                "Concise and well-structured; checks understanding and adapts the level of detail.",
                "Makes complex topics simple without losing accuracy; every answer lands.",
            ),
            "ko": (
                "답변을 따라가기 어렵거나 질문과 관계없는 답을 한다.",
                "질문에 답하지만 장황하거나 요점을 놓친다.",
                "처음, 요점, 사례가 있는 명확하고 구조적인 답변을 한다.",
                "간결하고 잘 구조화되어 있으며 이해했는지 확인하고 설명 수준을 조절한다.",
                "복잡한 주제를 정확성을 잃지 않고 쉽게 설명하며 모든 답변이 분명히 전달된다.",
            ),
        },
    ),
    "ownership": CriterionPattern(
        name={"en": "Ownership", "ko": "주인의식"},
        description={
            "en": "Takes responsibility for outcomes, follows through and learns from mistakes.",
            "ko": "결과에 책임을 지고 끝까지 해내며 실수에서 배운다.",
        },
        anchors={
            "en": (
                "Attributes outcomes to others; no example of taking responsibility.",
                "Did what was assigned; little sign of follow-through beyond it.",
                "Gives an example of seeing something through, including a mistake they owned.",
                "Repeatedly steps up beyond their role and changed how the team works afterwards.",
                "Drives important outcomes end to end and raises the bar for the people around them.",
            ),
            "ko": (
                "결과를 다른 사람 탓으로 돌리며 책임을 진 사례가 없다.",
                "맡은 일은 했지만 그 이상으로 끝까지 챙긴 흔적은 거의 없다.",
                "일을 끝까지 해낸 사례와 스스로 인정한 실수를 든다.",
                "역할을 넘어서 여러 번 나섰고 그 뒤 팀의 일하는 방식을 바꾸었다.",
                "중요한 결과를 처음부터 끝까지 이끌며 주변 사람들의 기준을 높인다.",
            ),
        },
    ),
    "collaboration": CriterionPattern(
        name={"en": "Collaboration", "ko": "협업"},
        description={
            "en": "Works well with others: shares context, handles disagreement, helps the team succeed.",
            "ko": "다른 사람과 잘 일한다: 맥락을 공유하고, 의견 차이를 다루며, 팀의 성공을 돕는다.",
        },
        anchors={
            "en": (
                "Describes working alone or conflict without resolution.",
                "Cooperates when asked; disagreement is avoided rather than handled.",
                "Gives an example of resolving a disagreement or helping a colleague.",
                "Builds shared understanding across roles and turns disagreement into better decisions.",
                "Multiplies the team: others seek them out, and they make collaboration easier for all.",
            ),
            "ko": (
                "혼자 일한 이야기만 하거나 해결되지 않은 갈등을 말한다.",
                "요청을 받으면 협조하지만 의견 차이는 다루기보다 피한다.",
                "의견 차이를 해결했거나 동료를 도운 사례를 든다.",
                "여러 역할 사이에 공통의 이해를 만들고 의견 차이를 더 나은 결정으로 바꾼다.",
                "팀의 힘을 키운다: 다른 사람들이 찾아오고, 모두가 더 쉽게 협업하게 만든다.",
            ),
        },
    ),
    "analytical_rigour": CriterionPattern(
        name={"en": "Analytical rigour", "ko": "분석의 엄밀함"},
        description={
            "en": "Frames questions with data, chooses sound methods and is honest about uncertainty.",
            "ko": "데이터로 질문을 세우고, 타당한 방법을 고르며, 불확실성을 솔직하게 말한다.",
        },
        anchors={
            "en": (
                "Draws conclusions without data or cannot describe a method.",
                "Uses data descriptively; method choices and caveats are unclear.",
                "Explains a sound method for a real question and one limitation of it.",
                "Compares methods, controls for bias or confounders and quantifies uncertainty.",
                "Designs analyses that change decisions, and explains them to non-experts.",
            ),
            "ko": (
                "데이터 없이 결론을 내리거나 방법을 설명하지 못한다.",
                "데이터를 서술적으로만 쓰며 방법 선택과 한계가 분명하지 않다.",
                "실제 질문에 대한 타당한 방법과 그 한계를 하나 설명한다.",
                "방법을 비교하고 편향이나 교란 변수를 통제하며 불확실성을 수치로 말한다.",
                "의사결정을 바꾸는 분석을 설계하고 비전문가에게도 설명한다.",
            ),
        },
    ),
    "product_sense": CriterionPattern(
        name={"en": "Product sense", "ko": "제품 감각"},
        description={
            "en": "Starts from users' problems, prioritises by impact and measures outcomes.",
            "ko": "사용자의 문제에서 출발하고, 영향에 따라 우선순위를 정하며, 결과를 측정한다.",
        },
        anchors={
            "en": (
                "Talks about features without the users or problems behind them.",
                "Mentions users, but priorities are driven by requests rather than impact.",
                "Explains a product decision from a user problem, with a metric to judge it.",
                "Prioritises with clear trade-offs and learns from evidence after launch.",
                "Shapes strategy: finds non-obvious opportunities and aligns others behind them.",
            ),
            "ko": (
                "그 뒤에 있는 사용자나 문제 없이 기능만 이야기한다.",
                "사용자를 언급하지만 우선순위는 영향보다 요청에 따라 정한다.",
                "사용자 문제에서 출발한 제품 결정을 판단 지표와 함께 설명한다.",
                "트레이드오프가 분명한 우선순위를 정하고 출시 뒤 근거에서 배운다.",
                "전략을 만든다: 드러나지 않은 기회를 찾고 다른 사람들을 그 방향으로 모은다.",
            ),
        },
    ),
    "design_craft": CriterionPattern(
        name={"en": "Design craft", "ko": "디자인 역량"},
        description={
            "en": "Turns research into clear, usable designs and explains the reasoning behind them.",
            "ko": "리서치를 명확하고 쓰기 쉬운 디자인으로 바꾸고 그 근거를 설명한다.",
        },
        anchors={
            "en": (
                "Describes visuals only; no reasoning or process.",
                "Follows a process but decisions are based on taste rather than evidence.",
                "Walks through a design from problem to solution with evidence for key choices.",
                "Balances users, business and constraints; iterates from testing with clear results.",
                "Sets the standard: systems-level thinking and designs that changed how a product works.",
            ),
            "ko": (
                "시각적인 부분만 설명하며 근거나 과정이 없다.",
                "과정은 따르지만 결정은 근거보다 취향에 기댄다.",
                "문제에서 해결까지 디자인을 설명하고 핵심 선택의 근거를 든다.",
                "사용자, 사업, 제약 사이의 균형을 잡고 테스트 결과로 분명하게 개선한다.",
                "기준을 세운다: 시스템 수준으로 생각하며 제품의 작동 방식을 바꾼 디자인을 했다.",
            ),
        },
    ),
    "customer_focus": CriterionPattern(
        name={"en": "Customer focus", "ko": "고객 중심"},
        description={
            "en": "Understands customers' needs, builds trust and turns problems into outcomes for them.",
            "ko": "고객의 필요를 이해하고 신뢰를 쌓으며 문제를 고객의 성과로 바꾼다.",
        },
        anchors={
            "en": (
                "Talks about customers as tickets or targets; no sign of understanding their needs.",
                "Responds to what customers ask for, without digging into why.",
                "Gives an example of uncovering a customer's real need and meeting it.",
                "Builds lasting relationships and handles difficult customers with clear results.",
                "Anticipates needs, changes the company's offer from customer insight, earns advocates.",
            ),
            "ko": (
                "고객을 티켓이나 목표로만 말하며 그 필요를 이해한 흔적이 없다.",
                "고객이 요청한 것에 응하지만 그 이유를 파고들지는 않는다.",
                "고객의 진짜 필요를 찾아내 충족한 사례를 든다.",
                "오래가는 관계를 쌓고 어려운 고객도 분명한 결과로 대응한다.",
                "필요를 미리 읽고, 고객 통찰로 회사의 제안을 바꾸며, 지지하는 고객을 만든다.",
            ),
        },
    ),
    "results": CriterionPattern(
        name={"en": "Drive for results", "ko": "성과 지향"},
        description={
            "en": "Sets ambitious goals, measures progress and delivers against targets.",
            "ko": "도전적인 목표를 세우고 진행을 측정하며 목표를 달성한다.",
        },
        anchors={
            "en": (
                "Cannot name a goal or a result they achieved.",
                "Names results but without numbers or their own part in them.",
                "Describes a target, their plan and the measured result.",
                "Consistently beats targets and explains what they changed to get there.",
                "Delivers outsized results and builds repeatable ways for others to do the same.",
            ),
            "ko": (
                "목표나 자신이 이룬 성과를 말하지 못한다.",
                "성과를 말하지만 수치나 자신의 역할이 빠져 있다.",
                "목표, 자신의 계획, 측정된 결과를 설명한다.",
                "꾸준히 목표를 넘어서며 그러기 위해 무엇을 바꾸었는지 설명한다.",
                "뛰어난 성과를 내고 다른 사람도 반복할 수 있는 방법을 만든다.",
            ),
        },
    ),
}

# --- role families ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFamily:
    key: str
    label: str
    keywords: tuple[str, ...]  # lower case; matched as words in the role title (x3) and the description
    questions: dict[str, tuple[str, ...]]  # asked in this order; the first one opens the interview
    skill_question: dict[str, str]  # "{skill}" is replaced by a skill from the job description
    criteria: tuple[tuple[str, float], ...]  # (key in CRITERIA, weight)


FAMILIES: tuple[RoleFamily, ...] = (
    RoleFamily(
        key="data",
        label="Data and machine learning",
        keywords=(
            "data scientist",
            "data analyst",
            "data engineer",
            "analytics",
            "machine learning",
            "ml engineer",
            "statistician",
            "데이터 분석",
            "데이터 사이언티스트",
            "데이터 엔지니어",
            "머신러닝",
        ),
        questions={
            "en": (
                "To start, could you walk me through an analysis or data project you are proud of, "
                "and your part in it?",
                "How did you decide which data and which method to use, and what were the limitations?",
                "Tell me about a time your findings were wrong or surprising. What did you do?",
                "How do you explain a result to someone who does not work with data?",
                "Tell me about a data quality problem you found. How did you handle it?",
                "What would you want to measure first in this role, and why?",
            ),
            "ko": (
                "먼저 자랑스러운 분석이나 데이터 프로젝트 하나와 그 안에서 맡은 역할을 설명해 주시겠어요?",
                "어떤 데이터와 방법을 쓸지 어떻게 정하셨고, 그 한계는 무엇이었나요?",
                "분석 결과가 틀렸거나 예상과 달랐던 경험을 말씀해 주세요. 어떻게 하셨나요?",
                "데이터를 다루지 않는 사람에게 결과를 어떻게 설명하시나요?",
                "데이터 품질 문제를 발견했던 경험과 그 문제를 어떻게 처리했는지 말씀해 주세요.",
                "이 역할에서 가장 먼저 무엇을 측정하고 싶으신가요? 그 이유는요?",
            ),
        },
        skill_question={
            "en": "Tell me about a project where you used {skill}. What did it make possible, and what would you do "
            "differently?",
            "ko": "{skill} 관련 경험 중 하나를 골라, 그것으로 무엇을 할 수 있었고 "
            "지금이라면 무엇을 다르게 할지 말씀해 주세요.",
        },
        criteria=(
            ("analytical_rigour", 2.0),
            ("technical_depth", 1.5),
            ("communication", 1.0),
            ("problem_solving", 1.0),
        ),
    ),
    RoleFamily(
        key="software",
        label="Software engineering",
        keywords=(
            "engineer",
            "developer",
            "backend",
            "back-end",
            "frontend",
            "front-end",
            "full stack",
            "full-stack",
            "software",
            "devops",
            "sre",
            "programmer",
            "mobile",
            "ios",
            "android",
            "개발자",
            "엔지니어",
            "백엔드",
            "프론트엔드",
            "개발",
        ),
        questions={
            "en": (
                "To start, could you walk me through a system you built recently and your part in it?",
                "How did you design that system, and what would you change about it today?",
                "Tell me about a production incident or a hard bug you handled. What happened and what did you learn?",
                "How do you make sure your code keeps working as the system and the team grow?",
                "Tell me about a technical disagreement with a colleague. How was it resolved?",
                "How do you decide when something is good enough to ship?",
            ),
            "ko": (
                "먼저 최근에 만든 시스템과 그 안에서 맡은 역할을 설명해 주시겠어요?",
                "그 시스템은 어떻게 설계하셨고, 지금이라면 무엇을 바꾸시겠어요?",
                "직접 대응했던 운영 장애나 어려운 버그에 대해 말씀해 주세요. 무슨 일이 있었고 무엇을 배우셨나요?",
                "시스템과 팀이 커져도 코드가 계속 잘 동작하도록 어떻게 하시나요?",
                "동료와 기술적으로 의견이 달랐던 경험과 그것이 어떻게 해결되었는지 말씀해 주세요.",
                "언제 배포해도 될 만큼 충분하다고 판단하시나요?",
            ),
        },
        skill_question={
            "en": "Tell me about a project where you used {skill}. What was your part, and what would you do "
            "differently?",
            "ko": "{skill} 관련 프로젝트 하나를 골라, 맡은 역할과 지금이라면 다르게 할 점을 말씀해 주세요.",
        },
        criteria=(("technical_depth", 2.0), ("problem_solving", 1.5), ("communication", 1.0), ("ownership", 1.0)),
    ),
    RoleFamily(
        key="product",
        label="Product management",
        keywords=("product manager", "product owner", "product lead", "pm", "프로덕트", "기획자", "서비스 기획"),
        questions={
            "en": (
                "To start, could you tell me about a product or feature you owned, and the problem it solved?",
                "How did you decide what to build first, and what did you say no to?",
                "Tell me about a launch that did not go as planned. What did you learn?",
                "How do you work with engineering and design when the timeline is at risk?",
                "Which metric would you watch for that product, and why that one?",
                "How do you find out what users need when they cannot tell you directly?",
            ),
            "ko": (
                "먼저 직접 맡았던 제품이나 기능과 그것이 해결한 문제를 말씀해 주시겠어요?",
                "무엇을 먼저 만들지 어떻게 정하셨고, 무엇을 하지 않기로 하셨나요?",
                "계획대로 되지 않았던 출시 경험과 거기서 배운 점을 말씀해 주세요.",
                "일정이 위험할 때 개발, 디자인과 어떻게 함께 일하시나요?",
                "그 제품에서 어떤 지표를 보시겠어요? 왜 그 지표인가요?",
                "사용자가 직접 말해 주지 못할 때 그들이 필요로 하는 것을 어떻게 알아내시나요?",
            ),
        },
        skill_question={
            "en": "Tell me about your experience with {skill}. What worked, and what would you change?",
            "ko": "{skill} 관련 경험을 말씀해 주세요. 무엇이 잘 되었고 무엇을 바꾸시겠어요?",
        },
        criteria=(("product_sense", 2.0), ("problem_solving", 1.5), ("collaboration", 1.0), ("communication", 1.0)),
    ),
    RoleFamily(
        key="design",
        label="Design",
        keywords=("designer", "ux", "ui", "user experience", "interaction design", "디자이너", "디자인"),
        questions={
            "en": (
                "To start, could you walk me through a design project you are proud of, "
                "from the problem to the result?",
                "How did research or testing change your design along the way?",
                "Tell me about a time you disagreed with a product manager or an engineer about a design. "
                "What happened?",
                "How do you balance consistency with what a particular feature needs?",
                "Tell me about a design that did not work for users. How did you find out, and what did you do?",
                "How do you hand over a design so that it is built the way you intended?",
            ),
            "ko": (
                "먼저 자랑스러운 디자인 프로젝트 하나를 문제부터 결과까지 설명해 주시겠어요?",
                "리서치나 테스트가 진행 중에 디자인을 어떻게 바꾸었나요?",
                "디자인을 두고 기획자나 개발자와 의견이 달랐던 경험을 말씀해 주세요. 어떻게 되었나요?",
                "일관성과 특정 기능에 필요한 것 사이의 균형을 어떻게 잡으시나요?",
                "사용자에게 통하지 않았던 디자인 경험을 말씀해 주세요. 어떻게 알게 되었고 무엇을 하셨나요?",
                "디자인이 의도한 대로 만들어지도록 어떻게 전달하시나요?",
            ),
        },
        skill_question={
            "en": "Tell me about a project where you used {skill}. What did it change in the final design?",
            "ko": "{skill} 관련 프로젝트 하나를 골라, 그것이 최종 디자인에서 무엇을 바꾸었는지 말씀해 주세요.",
        },
        criteria=(("design_craft", 2.0), ("problem_solving", 1.5), ("collaboration", 1.0), ("communication", 1.0)),
    ),
    RoleFamily(
        key="customer",
        label="Sales and customer-facing roles",
        keywords=(
            "sales",
            "account executive",
            "account manager",
            "business development",
            "customer success",
            "customer support",
            "support",
            "sdr",
            "bdr",
            "영업",
            "세일즈",
            "고객",
        ),
        questions={
            "en": (
                "To start, could you tell me about a customer or a deal you are proud of, and your part in it?",
                "How do you find out what a customer really needs?",
                "Tell me about a difficult customer situation. What did you do, and how did it end?",
                "Tell me about a target you missed. What happened, and what did you change?",
                "How do you organise your week when you have more customers than time?",
                "How do you work with the product or engineering team when a customer needs something we do not offer?",
            ),
            "ko": (
                "먼저 자랑스러운 고객 사례나 계약 하나와 그 안에서 맡은 역할을 말씀해 주시겠어요?",
                "고객이 정말 필요로 하는 것을 어떻게 알아내시나요?",
                "어려웠던 고객 상황을 말씀해 주세요. 어떻게 하셨고 어떻게 마무리되었나요?",
                "목표를 달성하지 못했던 경험을 말씀해 주세요. 무슨 일이 있었고 무엇을 바꾸셨나요?",
                "시간보다 고객이 많을 때 한 주를 어떻게 계획하시나요?",
                "고객이 우리가 제공하지 않는 것을 필요로 할 때 제품이나 개발 팀과 어떻게 일하시나요?",
            ),
        },
        skill_question={
            "en": "Tell me about your experience with {skill}. What results did it bring?",
            "ko": "{skill} 관련 경험을 말씀해 주세요. 어떤 성과로 이어졌나요?",
        },
        criteria=(("customer_focus", 2.0), ("communication", 1.5), ("results", 1.5), ("ownership", 1.0)),
    ),
    RoleFamily(
        key="general",
        label="General (no role family recognised)",
        keywords=(),
        questions={
            "en": (
                "To start, could you tell me about your current or most recent role and what you are responsible for?",
                "Tell me about a piece of work you are proud of. What was your part?",
                "Tell me about a problem at work that you solved. How did you approach it?",
                "Tell me about a disagreement with a colleague. How was it resolved?",
                "Tell me about a mistake you made at work and what you learned from it.",
                "What attracts you to this role, and what would you want to achieve in your first months?",
            ),
            "ko": (
                "먼저 현재 또는 가장 최근의 역할과 맡고 있는 일을 말씀해 주시겠어요?",
                "자랑스러운 업무 하나와 그 안에서 맡은 역할을 말씀해 주세요.",
                "업무에서 해결한 문제 하나를 말씀해 주세요. 어떻게 접근하셨나요?",
                "동료와 의견이 달랐던 경험과 그것이 어떻게 해결되었는지 말씀해 주세요.",
                "업무 중 했던 실수와 그로부터 배운 점을 말씀해 주세요.",
                "이 역할의 어떤 점에 끌리셨고, 처음 몇 달 동안 무엇을 이루고 싶으신가요?",
            ),
        },
        skill_question={
            "en": "Tell me about your experience with {skill}. What did you achieve with it?",
            "ko": "{skill} 관련 경험을 말씀해 주세요. 그것으로 무엇을 이루셨나요?",
        },
        criteria=(("problem_solving", 1.5), ("communication", 1.5), ("ownership", 1.0), ("collaboration", 1.0)),
    ),
)

GENERAL = FAMILIES[-1]


def _mentions(text: str, keyword: str) -> int:
    # Korean words take particles ("개발자를"), so they are matched as a prefix; Latin ones as words.
    if keyword.isascii():
        return len(re.findall(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", text))
    return text.count(keyword)


def role_family(*, role: str, job_description: str) -> RoleFamily:
    """The family whose words the role title (counted three times) and the description use most;
    the general family when none of them appears. Longer phrases count for more, so "data engineer"
    is data work even though "engineer" alone would be software."""
    role_text, description = role.lower(), job_description.lower()
    best, best_score = GENERAL, 0
    for family in FAMILIES:
        score = sum(
            (3 * _mentions(role_text, keyword) + _mentions(description, keyword)) * len(keyword.split())
            for keyword in family.keywords
        )
        if score > best_score:
            best, best_score = family, score
    return best

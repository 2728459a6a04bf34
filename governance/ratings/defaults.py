"""The default templates, modelled on published local schemes of 红色物业 star ratings: the issue
system's figures, a household survey weighing 30 of 100 points, the branch's appraisal and an
inspection of customer service, public order, sanitation, greening and the maintenance of common
parts; red-property bonus items capped at +15; yellow and red cards.

``install`` takes the model classes so a data migration can call it with historical models.
"""

RATE_HIGH = {
    "response_rate": [[95, 4], [90, 3], [80, 2], [60, 1]],
    "resolution_rate": [[95, 6], [90, 5], [80, 3], [60, 1]],
    "satisfaction_rate": [[90, 5], [80, 4], [70, 2], [60, 1]],
}

PROJECT = {
    "code": "property-project",
    "name": "红色物业星级评价（物业服务项目）",
    "description": "物业服务企业在小区的服务项目：诉求办理 20 分，居民满意度调查 30 分，党支部评议 15 分，"
    "现场检查 35 分；红色物业加分项最高 15 分；黄牌每张扣 5 分，红牌直接列入黑名单。",
    "sections": [
        ("诉求办理", "Issue handling", [
            ("response", "响应率", "Response rate", "metric", 4,
             {"metric": "response_rate", "thresholds": RATE_HIGH["response_rate"]}),
            ("resolution", "解决率", "Resolution rate", "metric", 6,
             {"metric": "resolution_rate", "thresholds": RATE_HIGH["resolution_rate"]}),
            ("satisfaction", "满意率", "Satisfaction rate", "metric", 5,
             {"metric": "satisfaction_rate", "thresholds": RATE_HIGH["satisfaction_rate"]}),
            ("overdue", "超期办理占比", "Share resolved late or overdue", "metric", 3,
             {"metric": "overdue_share", "thresholds": [[5, 3], [10, 2], [20, 1]]}),
            ("reopen", "重复投诉（重新打开）占比", "Share reopened", "metric", 2,
             {"metric": "reopen_share", "thresholds": [[3, 2], [8, 1]]}),
        ]),
        ("居民满意度调查", "Resident survey", [
            ("survey-service", "客户服务：态度、响应和报修处理", "Customer service: manner, response, repairs", "survey", 6, {}),
            ("survey-order", "秩序维护：门岗、巡逻、停车", "Public order: gates, patrols, parking", "survey", 6, {}),
            ("survey-sanitation", "环境卫生：保洁和垃圾分类", "Sanitation: cleaning and waste sorting", "survey", 6, {}),
            ("survey-greening", "绿化养护", "Greening", "survey", 6, {}),
            ("survey-maintenance", "共用部位和设施设备维护（电梯、管网、照明）",
             "Maintenance of common parts (lifts, pipes, lighting)", "survey", 6, {}),
        ]),
        ("党支部评议", "Branch appraisal", [
            ("appraisal-lead", "接受党支部领导，配合小区治理", "Works under the branch's lead", "appraisal", 5, {}),
            ("appraisal-meetings", "参加联席会议并落实议定事项", "Attends joint meetings and carries out decisions", "appraisal", 5, {}),
            ("appraisal-disclosure", "公开收费标准和公共收益", "Discloses fees and public revenue", "appraisal", 5, {}),
        ]),
        ("现场检查", "Inspection", [
            ("inspect-service", "客户服务", "Customer service", "inspection", 7, {"per_defect": 1}),
            ("inspect-order", "秩序维护", "Public order", "inspection", 7, {"per_defect": 1}),
            ("inspect-sanitation", "环境卫生", "Sanitation", "inspection", 7, {"per_defect": 1}),
            ("inspect-greening", "绿化养护", "Greening", "inspection", 7, {"per_defect": 1}),
            ("inspect-maintenance", "共用部位维护", "Maintenance of common parts", "inspection", 7, {"per_defect": 1}),
        ]),
        ("红色物业加分项", "Red-property bonus", [
            ("bonus-party-org", "企业建立党组织并发挥作用", "The company has a working Party organisation", "bonus", 5, {}),
            ("bonus-station", "建设红色物业驿站或服务站", "Runs a red-property station", "bonus", 5, {}),
            ("bonus-volunteer", "组织员工参加志愿服务", "Staff volunteer in the compound", "bonus", 5, {}),
            ("bonus-honour", "获得市级以上表彰", "Honoured at city level or above", "bonus", 5, {}),
        ]),
        ("红黄牌", "Cards", [
            ("card-yellow", "黄牌警告（每张扣 5 分）", "Yellow card (5 points each)", "card", 0,
             {"colour": "yellow", "per_card": 5}),
            ("card-red", "红牌（重大违规，直接列入黑名单）", "Red card (critical violation: black list)", "card", 0,
             {"colour": "red"}),
        ]),
    ],
}

COMMITTEE = {
    "code": "owners-committee",
    "name": "业主委员会履职评价",
    "description": "业主委员会：诉求办理 20 分，居民满意度调查 30 分，党支部评议 30 分，档案和公共收益检查 20 分；"
    "加分项最高 15 分；黄牌每张扣 5 分，红牌直接列入黑名单。",
    "sections": [
        ("诉求办理", "Issue handling", [
            ("response", "响应率", "Response rate", "metric", 5,
             {"metric": "response_rate", "thresholds": [[95, 5], [90, 4], [80, 3], [60, 1]]}),
            ("resolution", "解决率", "Resolution rate", "metric", 8,
             {"metric": "resolution_rate", "thresholds": [[95, 8], [90, 6], [80, 4], [60, 2]]}),
            ("satisfaction", "满意率", "Satisfaction rate", "metric", 7,
             {"metric": "satisfaction_rate", "thresholds": [[90, 7], [80, 5], [70, 3], [60, 1]]}),
        ]),
        ("居民满意度调查", "Resident survey", [
            ("survey-duty", "业委会履职尽责", "The committee does its duty", "survey", 10, {}),
            ("survey-disclosure", "财务和公共收益公开", "Finances and public revenue are disclosed", "survey", 10, {}),
            ("survey-supervision", "监督物业服务", "Supervises the property service", "survey", 10, {}),
        ]),
        ("党支部评议", "Branch appraisal", [
            ("appraisal-lead", "接受党支部领导，党员比例和交叉任职", "Works under the branch; party members and cross-appointments", "appraisal", 10, {}),
            ("appraisal-meetings", "按时召开会议，参加联席会议", "Meets on time and attends joint meetings", "appraisal", 10, {}),
            ("appraisal-disclosure", "按时公开财务收支", "Publishes its accounts on time", "appraisal", 10, {}),
        ]),
        ("档案和公共收益检查", "Records and public revenue", [
            ("inspect-records", "会议记录和档案资料", "Minutes and records", "inspection", 10, {"per_defect": 2}),
            ("inspect-revenue", "公共收益管理", "Management of public revenue", "inspection", 10, {"per_defect": 2}),
        ]),
        ("加分项", "Bonus", [
            ("bonus-cross", "党支部委员交叉任职", "Cross-appointed with the branch committee", "bonus", 5, {}),
            ("bonus-mediation", "化解重大矛盾纠纷", "Settled a major dispute", "bonus", 5, {}),
            ("bonus-honour", "获得表彰", "Honoured", "bonus", 5, {}),
        ]),
        ("红黄牌", "Cards", [
            ("card-yellow", "黄牌警告（每张扣 5 分）", "Yellow card (5 points each)", "card", 0,
             {"colour": "yellow", "per_card": 5}),
            ("card-red", "红牌（重大违规，直接列入黑名单）", "Red card (critical violation: black list)", "card", 0,
             {"colour": "red"}),
        ]),
    ],
}

DEFAULTS = {"project": PROJECT, "committee": COMMITTEE}


def install(Template, Section, Indicator) -> list:
    """Create version 1 of each default template unless it exists; returns the ones created."""
    made = []
    for kind, spec in DEFAULTS.items():
        if Template.objects.filter(code=spec["code"]).exists():
            continue
        template = Template.objects.create(
            code=spec["code"], version=1, subject_kind=kind, name=spec["name"], description=spec["description"]
        )
        for s_order, (zh, en, indicators) in enumerate(spec["sections"]):
            section = Section.objects.create(template=template, name_zh=zh, name_en=en, order=s_order)
            for i_order, (code, izh, ien, source, top, config) in enumerate(indicators):
                Indicator.objects.create(
                    section=section, code=code, name_zh=izh, name_en=ien, source=source, max_points=top,
                    config=config, order=i_order,
                )
        made.append(template)
    return made

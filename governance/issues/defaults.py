"""The default categories (groups and deadlines after the sources and Beijing's 12345 rules).

Seeded by migration 0002 and by ``ensure_defaults`` (for databases emptied by transactional
tests). Admins change categories afterwards in the admin; nothing here overwrites their changes.
"""

# code, zh, en, group, handler, priority, response h, resolution h, reopen, private
CATEGORIES = [
    ("parking", "停车管理", "Parking", "parking", "property", "general", 24, 168, True, False),
    ("security", "治安安全", "Security", "security", "property", "emergency", 1, 2, True, False),
    ("sanitation", "环境卫生", "Sanitation and rubbish", "sanitation", "property", "general", 24, 168, True, False),
    ("neighbours", "邻里纠纷", "Neighbour disputes", "neighbours", "branch", "complex", 48, 360, True, True),
    ("elevator", "电梯故障", "Elevator fault", "elevator", "property", "utilities", 4, 24, True, False),
    ("elevator-trapped", "电梯困人", "Trapped in an elevator", "elevator", "property", "emergency", 1, 2, False, False),
    ("water-power", "水电气暖", "Water, power, gas, heating", "utilities", "property", "utilities", 4, 24, True, False),
    ("illegal-construction", "违章搭建", "Illegal construction", "illegal_construction", "branch", "complex", 48, 360, True, False),
    ("charging", "电动车充电", "E-bike charging", "charging", "branch", "general", 24, 168, True, False),
    ("drainage", "下水道堵塞", "Blocked drains", "drainage", "property", "utilities", 4, 24, True, False),
    ("greening", "绿化养护", "Greening", "greening", "property", "general", 24, 168, True, False),
    ("noise", "噪音扰民", "Noise", "noise", "branch", "general", 24, 168, True, False),
    ("property-service", "物业服务", "Property service", "property_service", "committee", "general", 24, 168, True, False),
    ("common-repairs", "公共设施维修", "Repairs to common parts", "property_service", "property", "general", 24, 168, True, False),
    ("help", "困难求助", "Help for a resident in need", "other", "branch", "general", 24, 168, True, True),
    ("other", "其他", "Other", "other", "branch", "general", 24, 168, True, False),
]




def ensure_defaults(category_model, policy_model) -> None:
    """Create the default categories and the policy row where missing (idempotent)."""
    for order, (code, zh, en, group, handler, priority, resp, res, reopen, private) in enumerate(CATEGORIES):
        category_model.objects.get_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                group=group,
                default_handler=handler,
                priority=priority,
                response_hours=resp,
                resolution_hours=res,
                reopen_allowed=reopen,
                private_by_default=private,
                order=(order + 1) * 10,
            ),
        )
    policy_model.objects.get_or_create(pk=1)

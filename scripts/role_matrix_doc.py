"""Print the shipped role matrix as a Markdown table (pasted into docs/security.md).

Usage: .venv/bin/python scripts/role_matrix_doc.py
"""

from __future__ import annotations

from dsn.security.roles import CATEGORIES, OTHER, ROLE_MATRIX, ROLES


def main() -> None:
    categories = [*CATEGORIES, OTHER]
    print("| category | " + " | ".join(ROLES) + " |")
    print("|---|" + "---|" * len(ROLES))
    for category in categories:
        cells = [ROLE_MATRIX.get(role, {}).get(category, "") or "—" for role in ROLES]
        print(f"| {category} | " + " | ".join(cells) + " |")
    overrides = {
        (role, key): letters
        for role, cells in ROLE_MATRIX.items()
        for key, letters in cells.items()
        if key not in categories
    }
    if overrides:
        print()
        print("Type-level cells (they win over their category):")
        print()
        for (role, res_type), letters in sorted(overrides.items()):
            print(f"- {role} × {res_type}: `{letters}`")
    print()
    print("Categories:")
    print()
    for category, types in CATEGORIES.items():
        print(f"- **{category}**: {', '.join(types)}")
    print(f"- **{OTHER}**: every other R4 type (conformance, knowledge, financial, workflow definitions)")


if __name__ == "__main__":
    main()

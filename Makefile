# Shortcuts for the README's commands; each script installs what it needs.
.PHONY: up stop test demo
up:
	bash scripts/up.sh
stop:
	.venv/bin/python scripts/stack.py stop
test:
	bash scripts/test.sh
demo:
	bash scripts/demo.sh

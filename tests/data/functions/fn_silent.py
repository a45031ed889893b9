# fn_silent.py — a custom rule that never answers (no put_evaluations): a proactive evaluation
# that waits for it must FAIL when its EvaluationTimeout passes.
def lambda_handler(event, context):
    return None

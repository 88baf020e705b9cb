"""Checks of a model report that more than one test module makes."""

from lstm_widget.introspect import ModelReport


def details_disagree(report: ModelReport) -> list[str]:
    """Each breakdown whose details count other MACs for the sequence than its rows of
    the summary add up to, as ``name: details X, summary Y``; empty when all agree.

    A breakdown without one figure for the sequence (its layers ran other lengths) has
    none to compare, nor has a ConvLSTM's, whose details are per grid position.
    """
    data, wrong = report.to_dict(), []
    for item in report.items:
        b = item.breakdown
        if b.steps is None or b.work.per_position:
            continue
        heads = (item.head,) if item.head else ()
        folded = {item.path, *(layer.path for layer in (*item.stacked, *heads))}
        rows = [row["work"]["macs"] for row in data["rows"] if row["name"] in folded]
        summary = None if None in rows else sum(rows)
        if summary != b.work.macs:
            wrong.append(f"{item.title}: details {b.work.macs:,}, summary {summary}")
    return wrong

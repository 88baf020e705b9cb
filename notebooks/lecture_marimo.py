import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="lstm_widget: where 480 comes from")


@app.cell
def _():
    import marimo as mo

    import lstm_widget

    return lstm_widget, mo


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # 480, not 120: where a Keras LSTM(10) gets its parameters

    One LSTM layer with 10 units reads **one** feature per timestep, and a
    `Dense(1)` runs at every timestep through `TimeDistributed`. Keras reports
    **480** parameters for the LSTM and **11** for the dense head, **491** in all;
    "12 per unit" predicts only **120**. Each gate's recurrent matrix U is 10 × 10:
    every unit reads all 10 previous outputs, not only its own.
    """)
    return


@app.cell
def _(lstm_widget):
    seed = lstm_widget.breakdown(units=10, input_size=1, dense=1)
    seed
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## The live panel

    Change any setting: the diagram, the formula and the per-unit reading below
    follow. Type exact values into the boxes beside the sliders, or drag them.
    """)
    return


@app.cell
def _(lstm_widget):
    c = lstm_widget.marimo.controls(units=10, input_size=1, dense=1, variant="lecture")
    c
    return (c,)


@app.cell
def _(c, lstm_widget):
    lstm_widget.marimo.view(c)
    return


if __name__ == "__main__":
    app.run()

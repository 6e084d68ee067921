// SPDX-License-Identifier: GPL-3.0-or-later
// The training-history inspector fed with synthetic epochs through real TrainingHistory objects.
#include "inspectors/chartlegend.h"
#include "inspectors/historyfeed.h"
#include "inspectors/metricchart.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QValueAxis>

#include <cmath>

using qk::inspectors::MetricChart;
using qk::inspectors::TrainingHistoryView;
using qk::inspectors::TrainingRunModel;
using qk::keras::TrainingHistory;

namespace {

QMap<QString, double> logsAt(int epoch, bool validation = true) {
    // A loss that falls and an accuracy that rises, with validation a little worse.
    const double loss = 1.0 / epoch;
    const double accuracy = 1.0 - 0.5 / epoch;
    QMap<QString, double> logs = {{QStringLiteral("loss"), loss},
                                  {QStringLiteral("accuracy"), accuracy}};
    if (validation) {
        logs.insert(QStringLiteral("val_loss"), loss * 1.1);
        logs.insert(QStringLiteral("val_accuracy"), accuracy * 0.98);
    }
    return logs;
}

QList<double> ys(const QXYSeries* series) {
    QList<double> out;
    for (const QPointF& p : series->points())
        out.append(p.y());
    return out;
}

// The centre, in viewport coordinates, of the legend entry whose label is `label`.
std::optional<QPoint> legendEntry(MetricChart* chart, const QString& label) {
    for (QGraphicsItem* item : chart->scene()->items()) {
        QString text;
        if (auto* simple = dynamic_cast<QGraphicsSimpleTextItem*>(item))
            text = simple->text();
        else if (auto* rich = dynamic_cast<QGraphicsTextItem*>(item))
            text = rich->toPlainText();
        if (text != label || !item->isVisible())
            continue;
        if (!chart->legend()->sceneBoundingRect().intersects(item->sceneBoundingRect()))
            continue;
        return chart->mapFromScene(item->sceneBoundingRect().center());
    }
    return std::nullopt;
}

} // namespace

class TestTrainingHistoryView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void emaValues_data();
    void emaValues();
    void bestEpochOfValues_data();
    void bestEpochOfValues();

    void seriesGrowLive();
    void validationPairsShareAChart();
    void burstOfEpochsIsCoalesced();
    void pacedEpochsRedrawAtMostThirtyTimesASecond();
    void bestEpochIsMarked_data();
    void bestEpochIsMarked();
    void smoothingDrawsTheAverageOverTheFaintRawLine();
    void logScaleSwitchesTheValueAxis();
    void zoomIsKeptWhilePointsArrive();
    void legendClickHidesAndShowsASeries();
    void hoverShowsEpochAndValue();
    void progressShowsEpochBatchAndTime();
    void stopButtonAsksToStop();
    void curvesTabSaysWhyItHasNoChart();
    void runsOverlaidHiddenAndRemoved();
    void runsListNeverScrollsSideways();
    void runModelPassesTester();
    void csvExportIsExact();
    void pngExportWritesTheCharts();
};

void TestTrainingHistoryView::emaValues_data() {
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<double>("weight");
    QTest::addColumn<QList<double>>("expected");
    QTest::newRow("off") << QList<double>{4, 2, 8} << 0.0 << QList<double>{4, 2, 8};
    QTest::newRow("half") << QList<double>{1, 2, 3, 4} << 0.5 << QList<double>{1, 1.5, 2.25, 3.125};
    QTest::newRow("0.9") << QList<double>{10, 0, 0} << 0.9 << QList<double>{10, 9, 8.1};
    QTest::newRow("nan skipped") << QList<double>{2, std::nan(""), 4} << 0.5
                                 << QList<double>{2, std::nan(""), 3};
}

void TestTrainingHistoryView::emaValues() {
    QFETCH(QList<double>, values);
    QFETCH(double, weight);
    QFETCH(QList<double>, expected);
    const QList<double> got = qk::inspectors::smoothed(values, weight);
    QCOMPARE(got.size(), expected.size());
    for (qsizetype i = 0; i < got.size(); ++i) {
        if (std::isnan(expected.at(i)))
            QVERIFY(std::isnan(got.at(i)));
        else
            QVERIFY2(std::abs(got.at(i) - expected.at(i)) < 1e-12,
                     qPrintable(QStringLiteral("%1 at %2").arg(got.at(i)).arg(i)));
    }
}

void TestTrainingHistoryView::bestEpochOfValues_data() {
    QTest::addColumn<QString>("metric");
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<int>("epoch");
    QTest::newRow("loss: min") << "loss" << QList<double>{0.9, 0.4, 0.5, 0.45} << 2;
    QTest::newRow("val_loss: min") << "val_loss" << QList<double>{0.9, 0.8, 0.3} << 3;
    QTest::newRow("accuracy: max") << "accuracy" << QList<double>{0.5, 0.9, 0.8} << 2;
    QTest::newRow("val_auc: max") << "val_auc" << QList<double>{0.7, 0.6, 0.75} << 3;
    QTest::newRow("mae: min") << "mae" << QList<double>{3, 1, 2} << 2;
    QTest::newRow("first of ties") << "loss" << QList<double>{0.2, 0.2} << 1;
    QTest::newRow("nan ignored") << "loss" << QList<double>{std::nan(""), 0.5} << 2;
    QTest::newRow("empty") << "loss" << QList<double>{} << 0;
}

void TestTrainingHistoryView::bestEpochOfValues() {
    QFETCH(QString, metric);
    QFETCH(QList<double>, values);
    QFETCH(int, epoch);
    QCOMPARE(qk::inspectors::bestEpoch(values, qk::inspectors::higherIsBetter(metric)), epoch);
}

void TestTrainingHistoryView::seriesGrowLive() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto history = feed.start(10);
    view.addRun(history);
    for (int e = 1; e <= 3; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_VERIFY(view.chart(QStringLiteral("loss")));
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QTRY_COMPARE(chart->line(history.get(), QStringLiteral("loss"))->count(), 3);
    for (int e = 4; e <= 7; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_COMPARE(chart->line(history.get(), QStringLiteral("loss"))->count(), 7);
    const QPointF last = chart->line(history.get(), QStringLiteral("loss"))->at(6);
    QCOMPARE(last, QPointF(7, 1.0 / 7));
    // The axes followed the new epochs.
    QVERIFY(chart->epochAxis()->max() >= 7);
}

void TestTrainingHistoryView::validationPairsShareAChart() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto history = feed.start(5);
    view.addRun(history);
    for (int e = 1; e <= 5; ++e)
        feed.epoch(*history, logsAt(e));
    view.redrawNow();
    QCOMPARE(view.charts().size(), 2);
    QCOMPARE(view.charts().at(0)->metricName(), QStringLiteral("loss")); // loss comes first
    QCOMPARE(view.charts().at(1)->metricName(), QStringLiteral("accuracy"));
    for (const QString& base : {QStringLiteral("loss"), QStringLiteral("accuracy")}) {
        MetricChart* chart = view.chart(base);
        QCOMPARE(view.chart(QStringLiteral("val_") + base), chart);
        QLineSeries* train = chart->line(history.get(), base);
        QLineSeries* validation = chart->line(history.get(), QStringLiteral("val_") + base);
        QVERIFY(train && validation);
        QCOMPARE(train->count(), 5);
        QCOMPARE(validation->count(), 5);
        QCOMPARE(train->name(), base);
        QCOMPARE(validation->name(), QStringLiteral("val_") + base);
        QCOMPARE(train->pen().style(), Qt::SolidLine);
        QCOMPARE(validation->pen().style(), Qt::DashLine);
        QCOMPARE(train->color(), validation->color()); // one colour per run
    }
}

void TestTrainingHistoryView::burstOfEpochsIsCoalesced() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto history = feed.start(1000);
    view.addRun(history);
    feed.epoch(*history, logsAt(1));
    view.redrawNow();
    QLineSeries* loss = view.chart(QStringLiteral("loss"))->line(history.get(), "loss");
    QLineSeries* valLoss = view.chart(QStringLiteral("loss"))->line(history.get(), "val_loss");
    QSignalSpy lossReplaced(loss, &QXYSeries::pointsReplaced);
    QSignalSpy valReplaced(valLoss, &QXYSeries::pointsReplaced);
    QSignalSpy added(loss, &QXYSeries::pointAdded);
    const int redrawsBefore = view.redrawCount();

    for (int e = 2; e <= 1000; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_COMPARE(loss->count(), 1000);
    QCOMPARE(valLoss->count(), 1000);
    QVERIFY(!view.redrawPending()); // all drawn: no redraw is left to come
    qInfo() << "999 epochs in one burst:" << lossReplaced.size() << "replace() on loss,"
            << view.redrawCount() - redrawsBefore << "redraws";
    QVERIFY(lossReplaced.size() >= 1);
    QVERIFY(lossReplaced.size() <= 2);
    QVERIFY(valReplaced.size() <= 2);
    QVERIFY(view.redrawCount() - redrawsBefore <= 2);
    QCOMPARE(added.size(), 0); // never point by point
}

void TestTrainingHistoryView::pacedEpochsRedrawAtMostThirtyTimesASecond() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.show();
    auto history = feed.start(1000);
    view.addRun(history);
    feed.epoch(*history, logsAt(1));
    view.redrawNow();
    QLineSeries* loss = view.chart(QStringLiteral("loss"))->line(history.get(), "loss");
    QSignalSpy replaced(loss, &QXYSeries::pointsReplaced);

    // One epoch a millisecond, about a second in all, with the event loop running between.
    QElapsedTimer clock;
    clock.start();
    for (int e = 2; e <= 1000; ++e) {
        feed.epoch(*history, logsAt(e));
        QCoreApplication::processEvents();
        while (clock.elapsed() < e - 1)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    const qint64 elapsed = clock.elapsed();
    QTRY_COMPARE(loss->count(), 1000);
    QVERIFY(!view.redrawPending()); // all drawn: no redraw is left to come
    const qint64 allowed = elapsed / TrainingHistoryView::RedrawIntervalMs + 3;
    qInfo() << "999 epochs over" << elapsed << "ms:" << replaced.size()
            << "replace() on loss (at most" << allowed << ")";
    QVERIFY(replaced.size() >= 5); // the chart grew while epochs came in
    QVERIFY(replaced.size() <= allowed);
}

void TestTrainingHistoryView::bestEpochIsMarked_data() {
    QTest::addColumn<bool>("validation");
    QTest::addColumn<QString>("chartMetric");
    QTest::addColumn<QList<double>>("train");
    QTest::addColumn<QList<double>>("val");
    QTest::addColumn<int>("epoch");
    QTest::addColumn<QString>("best");
    // val_loss decides when there is validation, even where loss keeps falling.
    QTest::newRow("min val_loss") << true << "loss" << QList<double>{0.9, 0.6, 0.4, 0.3}
                                  << QList<double>{1.0, 0.7, 0.8, 0.9} << 2
                                  << "0.7 @ 2 | Lowest val_loss: 0.7 at epoch 2";
    QTest::newRow("min loss without validation")
        << false << "loss" << QList<double>{0.9, 0.6, 0.4, 0.5} << QList<double>{} << 3
        << "0.4 @ 3 | Lowest loss: 0.4 at epoch 3";
    QTest::newRow("max val_accuracy") << true << "accuracy" << QList<double>{0.5, 0.7, 0.9, 0.95}
                                      << QList<double>{0.4, 0.8, 0.75, 0.7} << 2 << "";
    QTest::newRow("max accuracy") << false << "accuracy" << QList<double>{0.5, 0.9, 0.8, 0.85}
                                  << QList<double>{} << 2 << "";
}

void TestTrainingHistoryView::bestEpochIsMarked() {
    QFETCH(bool, validation);
    QFETCH(QString, chartMetric);
    QFETCH(QList<double>, train);
    QFETCH(QList<double>, val);
    QFETCH(int, epoch);
    QFETCH(QString, best);
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto history = feed.start(4);
    view.addRun(history);
    for (qsizetype i = 0; i < train.size(); ++i) {
        QMap<QString, double> logs = {{chartMetric, train.at(i)}};
        if (validation)
            logs.insert(QStringLiteral("val_") + chartMetric, val.at(i));
        if (chartMetric != QLatin1String("loss"))
            logs.insert(QStringLiteral("loss"), 1.0 / static_cast<double>(i + 1));
        feed.epoch(*history, logs);
    }
    view.redrawNow();
    QScatterSeries* marker = view.chart(chartMetric)->bestMarker(history.get());
    QVERIFY(marker);
    QVERIFY(marker->isVisible());
    QCOMPARE(marker->count(), 1);
    const QList<double>& source = validation ? val : train;
    QCOMPARE(marker->at(0), QPointF(epoch, source.at(epoch - 1)));
    if (!best.isEmpty()) {
        const QModelIndex cell = view.runs().index(0, TrainingRunModel::BestColumn);
        QCOMPARE(cell.data().toString() + " | " + cell.data(Qt::ToolTipRole).toString(), best);
    }
}

void TestTrainingHistoryView::smoothingDrawsTheAverageOverTheFaintRawLine() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto history = feed.start(4);
    view.addRun(history);
    for (double loss : {1.0, 2.0, 3.0, 4.0})
        feed.epoch(*history, {{QStringLiteral("loss"), loss}});
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QLineSeries* line = chart->line(history.get(), QStringLiteral("loss"));
    QLineSeries* raw = chart->rawLine(history.get(), QStringLiteral("loss"));
    QCOMPARE(ys(line), (QList<double>{1, 2, 3, 4}));
    QVERIFY(!raw->isVisible());

    auto* slider = view.findChild<QSlider*>(QStringLiteral("smoothing"));
    slider->setValue(50); // as the user drags it
    QCOMPARE(view.smoothing(), 0.5);
    QCOMPARE(ys(line), (QList<double>{1, 1.5, 2.25, 3.125}));
    QVERIFY(raw->isVisible());
    QCOMPARE(ys(raw), (QList<double>{1, 2, 3, 4}));
    QVERIFY(raw->pen().color().alpha() < 128); // faint behind
    QCOMPARE(line->pen().color().alpha(), 255);
    QVERIFY(raw->pen().widthF() < line->pen().widthF());

    // New epochs are smoothed too.
    feed.epoch(*history, {{QStringLiteral("loss"), 5.0}});
    QTRY_COMPARE(line->count(), 5);
    QCOMPARE(line->at(4).y(), 0.5 * 3.125 + 0.5 * 5.0);

    slider->setValue(0);
    QCOMPARE(ys(line), (QList<double>{1, 2, 3, 4, 5}));
    QVERIFY(!raw->isVisible());
}

void TestTrainingHistoryView::logScaleSwitchesTheValueAxis() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.resize(900, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto history = feed.start(3);
    view.addRun(history);
    for (double loss : {100.0, 10.0, 0.01})
        feed.epoch(*history, {{QStringLiteral("loss"), loss}});
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QLineSeries* line = chart->line(history.get(), QStringLiteral("loss"));
    QCOMPARE(chart->valueAxis()->type(), QAbstractAxis::AxisTypeValue);

    auto* box = view.findChild<QCheckBox*>(QStringLiteral("logScale"));
    QTest::mouseClick(box, Qt::LeftButton, {}, box->rect().center());
    QVERIFY(box->isChecked());
    QCOMPARE(chart->valueAxis()->type(), QAbstractAxis::AxisTypeLogValue);
    QVERIFY(line->attachedAxes().contains(chart->valueAxis()));
    auto* log = qobject_cast<QLogValueAxis*>(chart->valueAxis());
    QVERIFY(log->min() <= 0.01 && log->min() > 0);
    QVERIFY(log->max() >= 100);
    QCOMPARE(line->count(), 3);
    // Whole epochs on the other axis, even for a short run.
    QCOMPARE(chart->epochAxis()->tickInterval(), 1.0);
    QCOMPARE(chart->epochAxis()->min(), 1.0);
    QCOMPARE(chart->epochAxis()->max(), 3.0);

    QTest::mouseClick(box, Qt::LeftButton, {}, box->rect().center());
    QCOMPARE(chart->valueAxis()->type(), QAbstractAxis::AxisTypeValue);
    QVERIFY(line->attachedAxes().contains(chart->valueAxis()));
}

void TestTrainingHistoryView::zoomIsKeptWhilePointsArrive() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto history = feed.start(60);
    view.addRun(history);
    for (int e = 1; e <= 20; ++e)
        feed.epoch(*history, logsAt(e));
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QCOMPARE(chart->epochAxis()->max(), 20.0);

    // Drag a rubber band over the left part of the plot.
    const QRectF plot = chart->chart()->plotArea();
    const QPoint from = chart->mapFromScene(chart->chart()->mapToScene(
        plot.topLeft() + QPointF(plot.width() * 0.1, plot.height() * 0.1)));
    const QPoint to = chart->mapFromScene(chart->chart()->mapToScene(
        plot.topLeft() + QPointF(plot.width() * 0.4, plot.height() * 0.9)));
    QTest::mousePress(chart->viewport(), Qt::LeftButton, {}, from);
    QTest::mouseMove(chart->viewport(), (from + to) / 2);
    QTest::mouseMove(chart->viewport(), to);
    QTest::mouseRelease(chart->viewport(), Qt::LeftButton, {}, to);
    const double zoomedMin = chart->epochAxis()->min();
    const double zoomedMax = chart->epochAxis()->max();
    QVERIFY2(zoomedMax < 12, qPrintable(QString::number(zoomedMax)));
    QVERIFY(!chart->followsLatest());
    QVERIFY(!view.followsLatest());
    QVERIFY(!view.findChild<QCheckBox*>(QStringLiteral("followLatest"))->isChecked());

    // Points keep arriving; the zoom stays, the points are there.
    for (int e = 21; e <= 40; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_COMPARE(chart->line(history.get(), QStringLiteral("loss"))->count(), 40);
    QCOMPARE(chart->epochAxis()->min(), zoomedMin);
    QCOMPARE(chart->epochAxis()->max(), zoomedMax);
    // The chart nobody zoomed keeps following.
    QTRY_VERIFY(view.chart(QStringLiteral("accuracy"))->epochAxis()->max() >= 40);

    // The wheel zooms too, and also stops following.
    auto* follow = view.findChild<QCheckBox*>(QStringLiteral("followLatest"));
    QTest::mouseClick(follow, Qt::LeftButton, {}, follow->rect().center());
    QVERIFY(chart->followsLatest());
    QCOMPARE(chart->epochAxis()->max(), 40.0);
    const QPoint centre = chart->mapFromScene(chart->chart()->mapToScene(plot.center()));
    QWheelEvent wheel(centre, chart->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 240),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(chart->viewport(), &wheel);
    QVERIFY(!chart->followsLatest());
    QVERIFY(!follow->isChecked());
    const double wheelMax = chart->epochAxis()->max();
    QVERIFY(wheelMax < 40);
    for (int e = 41; e <= 50; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_COMPARE(chart->line(history.get(), QStringLiteral("loss"))->count(), 50);
    QCOMPARE(chart->epochAxis()->max(), wheelMax);

    // Follow latest brings auto-range back, and it goes on following.
    QTest::mouseClick(follow, Qt::LeftButton, {}, follow->rect().center());
    QVERIFY(follow->isChecked());
    QCOMPARE(chart->epochAxis()->max(), 50.0);
    for (int e = 51; e <= 60; ++e)
        feed.epoch(*history, logsAt(e));
    QTRY_COMPARE(chart->epochAxis()->max(), 60.0);
}

void TestTrainingHistoryView::legendClickHidesAndShowsASeries() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto history = feed.start(5);
    view.addRun(history);
    for (int e = 1; e <= 5; ++e)
        feed.epoch(*history, logsAt(e));
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QLineSeries* valLoss = chart->line(history.get(), QStringLiteral("val_loss"));
    QLineSeries* loss = chart->line(history.get(), QStringLiteral("loss"));
    // Once the legend has laid out its entries.
    std::optional<QPoint> entry;
    QTRY_VERIFY((entry = legendEntry(chart, QStringLiteral("val_loss"))).has_value());
    // Only the two lines are listed: no raw lines, no best-epoch marker.
    QCOMPARE(chart->legend()->shownLabels(),
             QStringList({QStringLiteral("loss"), QStringLiteral("val_loss")}));

    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, *entry);
    QVERIFY(!valLoss->isVisible());
    QVERIFY(loss->isVisible());
    // Still listed, dimmed, so that it can be clicked back.
    QCOMPARE(chart->legend()->shownLabels().size(), 2);
    QVERIFY(chart->legend()->entries().at(1).dimmed);
    QVERIFY(!chart->legend()->entries().at(0).dimmed);
    // The best epoch follows val_loss, so its marker goes with it.
    QVERIFY(!chart->bestMarker(history.get())->isVisible());

    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, *entry);
    QVERIFY(valLoss->isVisible());
    QVERIFY(chart->bestMarker(history.get())->isVisible());
}

void TestTrainingHistoryView::hoverShowsEpochAndValue() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto history = feed.start(5);
    view.addRun(history);
    for (int e = 1; e <= 5; ++e)
        feed.epoch(*history, {{QStringLiteral("loss"), 1.0 / e}});
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QLineSeries* loss = chart->line(history.get(), QStringLiteral("loss"));
    const QPointF at = chart->chart()->mapToPosition(loss->at(2), loss);
    const QPoint pos = chart->mapFromScene(chart->chart()->mapToScene(at)) + QPoint(3, -2);
    QTest::mouseMove(chart->viewport(), pos);
    QTRY_VERIFY(!chart->hoverText().isEmpty());
    QVERIFY2(chart->hoverText().contains(QStringLiteral("loss, epoch 3: 0.333333")),
             qPrintable(chart->hoverText()));
    QVERIFY(chart->findChild<QLabel*>(QStringLiteral("hoverLabel"))->isVisible());

    // Far from any point, nothing is shown.
    const QPointF empty = chart->chart()->plotArea().topRight() + QPointF(-5, 5);
    QTest::mouseMove(chart->viewport(), chart->mapFromScene(chart->chart()->mapToScene(empty)));
    QTRY_VERIFY(chart->hoverText().isEmpty());
}

void TestTrainingHistoryView::progressShowsEpochBatchAndTime() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto* bar = view.findChild<QProgressBar*>(QStringLiteral("progress"));
    auto* text = view.findChild<QLabel*>(QStringLiteral("progressText"));
    QCOMPARE(bar->format(), QStringLiteral("No training yet"));
    auto history = feed.start(10);
    view.addRun(history, QStringLiteral("adam"));
    for (int e = 1; e <= 4; ++e)
        feed.epoch(*history, logsAt(e));
    feed.batch(*history, 5, 2, 4, 0.1234);
    view.redrawNow();
    QCOMPARE(bar->format(), QStringLiteral("Epoch 5 of 10"));
    QCOMPARE(bar->value(), 450); // 4.5 of 10 epochs
    QVERIFY2(text->text().startsWith(QStringLiteral("adam · batch 2/4, loss 0.1234 · elapsed 0:")),
             qPrintable(text->text()));
    QVERIFY2(text->text().contains(QStringLiteral("left")), qPrintable(text->text()));

    for (int e = 5; e <= 10; ++e)
        feed.epoch(*history, logsAt(e));
    feed.finish(*history);
    QTRY_VERIFY(history->isFinished());
    QTRY_COMPARE(bar->value(), bar->maximum());
    QCOMPARE(bar->format(), QStringLiteral("10 epochs done"));
    QVERIFY2(text->text().startsWith(QStringLiteral("adam finished in")), qPrintable(text->text()));
}

void TestTrainingHistoryView::stopButtonAsksToStop() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.show();
    auto* stop = view.findChild<QPushButton*>(QStringLiteral("stop"));
    QVERIFY(!stop->isEnabled());
    auto history = feed.start(10);
    view.addRun(history);
    feed.epoch(*history, logsAt(1));
    view.redrawNow();
    QVERIFY(stop->isEnabled());
    QSignalSpy stopRequested(&view, &TrainingHistoryView::stopRequested);
    QTest::mouseClick(stop, Qt::LeftButton);
    QCOMPARE(stopRequested.size(), 1);
    QVERIFY(!stop->isEnabled()); // once is enough

    // fit() ends after the batch it was in: 3 of 10 epochs, the weights kept.
    for (int e = 2; e <= 3; ++e)
        feed.epoch(*history, logsAt(e));
    feed.finish(*history);
    QTRY_VERIFY(history->isFinished());
    QTRY_COMPARE(view.findChild<QProgressBar*>(QStringLiteral("progress"))->format(),
                 QStringLiteral("Stopped at epoch 3 of 10"));
    QVERIFY(view.findChild<QLabel*>(QStringLiteral("progressText"))
                ->text()
                .contains(QStringLiteral("weights are kept")));
    QCOMPARE(view.runs().index(0, TrainingRunModel::StatusColumn).data().toString(),
             QStringLiteral("stopped at epoch 3"));
    QVERIFY(!stop->isEnabled());
    QCOMPARE(view.chart(QStringLiteral("loss"))->line(history.get(), "loss")->count(), 3);
}

// Before its first chart the Curves tab says why there is none: no run yet, a run waiting for
// its first epoch, a run that ended before one (a fit() that raised).
void TestTrainingHistoryView::curvesTabSaysWhyItHasNoChart() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.show();
    QVERIFY(view.chartHint().startsWith(QStringLiteral("Train a model")));
    auto failing = feed.start(5);
    view.addRun(failing, QStringLiteral("first try"));
    view.redrawNow();
    QCOMPARE(view.chartHint(),
             QStringLiteral("first try is training: its curves start when its first epoch ends."));
    failing->end(TrainingHistory::Outcome::Failed, QStringLiteral("ValueError: bad input"));
    view.redrawNow();
    QCOMPARE(view.chartHint(), QStringLiteral("No run has an epoch to draw: first try ended "
                                              "before its first one."));
    QVERIFY(view.charts().isEmpty());

    auto trained = feed.start(2);
    view.addRun(trained, QStringLiteral("second try"));
    feed.epoch(*trained, logsAt(1));
    view.redrawNow();
    QVERIFY(view.chartHint().isEmpty());
    QCOMPARE(view.charts().size(), 2);
}

void TestTrainingHistoryView::runsOverlaidHiddenAndRemoved() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.show();
    auto first = feed.start(5);
    auto second = feed.start(5);
    view.addRun(first, QStringLiteral("sgd"));
    view.addRun(second, QStringLiteral("adam"));
    for (int e = 1; e <= 5; ++e) {
        feed.epoch(*first, logsAt(e));
        feed.epoch(*second, logsAt(e + 2));
    }
    view.redrawNow();
    MetricChart* chart = view.chart(QStringLiteral("loss"));
    QLineSeries* a = chart->line(first.get(), QStringLiteral("loss"));
    QLineSeries* b = chart->line(second.get(), QStringLiteral("loss"));
    QVERIFY(a && b);
    QVERIFY(a->color() != b->color());
    QCOMPARE(a->name(), QStringLiteral("sgd"));
    QCOMPARE(chart->line(first.get(), QStringLiteral("val_loss"))->name(),
             QStringLiteral("sgd (val)"));
    QCOMPARE(b->name(), QStringLiteral("adam"));
    // The legend has an entry per run, its solid and dashed lines beside its name, and a key
    // for the dashes.
    QCOMPARE(
        chart->legend()->shownLabels(),
        QStringList({QStringLiteral("sgd"), QStringLiteral("adam"), QStringLiteral("validation")}));
    QCOMPARE(chart->legend()->entries().at(0).pen.color(), a->color());
    QCOMPARE(chart->legend()->entries().at(0).secondPen.style(), Qt::DashLine);
    QCOMPARE(view.runs()
                 .index(1, 0)
                 .data(Qt::DecorationRole)
                 .value<QPixmap>()
                 .toImage()
                 .pixelColor(5, 5),
             b->color());

    // Unticking a run in the list hides its lines and marker.
    QModelIndex adam = view.runs().index(1, TrainingRunModel::NameColumn);
    QVERIFY(view.runs().setData(adam, Qt::Unchecked, Qt::CheckStateRole));
    view.redrawNow();
    QVERIFY(!b->isVisible());
    QVERIFY(!chart->line(second.get(), QStringLiteral("val_loss"))->isVisible());
    QVERIFY(!chart->bestMarker(second.get())->isVisible());
    QVERIFY(a->isVisible());
    QVERIFY(view.runs().setData(adam, Qt::Checked, Qt::CheckStateRole));
    view.redrawNow();
    QVERIFY(b->isVisible());

    // Removing a run removes its lines.
    const auto seriesBefore = chart->chart()->series().size();
    auto* list = view.findChild<QTreeView*>(QStringLiteral("runs"));
    // What a run is doing, then the best value, which compares runs, come right after the name.
    QCOMPARE(list->header()->logicalIndex(1), int(TrainingRunModel::StatusColumn));
    QCOMPARE(list->header()->logicalIndex(2), int(TrainingRunModel::BestColumn));
    list->selectionModel()->select(view.runs().index(0, 0),
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    auto* remove = view.findChild<QPushButton*>(QStringLiteral("removeRuns"));
    QVERIFY(remove->isEnabled());
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(view.runs().rowCount(), 1);
    // At once: the view no longer holds the removed run's history.
    QVERIFY(!chart->line(first.get(), QStringLiteral("loss")));
    QCOMPARE(first.use_count(), 1);
    QCOMPARE(chart->chart()->series().size(), seriesBefore / 2);
    QCOMPARE(chart->line(second.get(), QStringLiteral("loss"))->name(), QStringLiteral("loss"));
}

// Whatever the panel's width, empty or holding runs, the runs list leaves out the columns that
// do not fit rather than scroll sideways; the name always stays.
void TestTrainingHistoryView::runsListNeverScrollsSideways() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.show();
    auto* list = view.findChild<QTreeView*>(QStringLiteral("runs"));
    QVERIFY(list);
    std::shared_ptr<TrainingHistory> run;
    for (const QString& what : {QStringLiteral("empty"), QStringLiteral("one run")}) {
        if (what != QLatin1String("empty")) {
            run = feed.start(5);
            view.addRun(run, QStringLiteral("a run with a rather long name"));
            for (int e = 1; e <= 5; ++e)
                feed.epoch(*run, logsAt(e));
        }
        for (int width = 400; width <= 1600; width += 40) {
            view.resize(width, 500);
            const QString where = QStringLiteral("%1, %2 px").arg(what).arg(width);
            QTRY_VERIFY2(list->horizontalScrollBar()->maximum() == 0, qPrintable(where));
            QVERIFY2(!list->header()->isSectionHidden(TrainingRunModel::NameColumn),
                     qPrintable(where));
        }
    }
}

void TestTrainingHistoryView::runModelPassesTester() {
    qk::test::HistoryFeed feed;
    TrainingRunModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto first = feed.start(3);
    auto second = feed.start();
    model.addRun(first);
    model.addRun(second, QStringLiteral("second"));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("run 1"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    for (int e = 1; e <= 3; ++e)
        feed.epoch(*first, logsAt(e, false));
    feed.epoch(*second, logsAt(1));
    QCOMPARE(changed.size(), 0); // published on the view's timer, not per epoch
    model.publishChanges();
    QCOMPARE(changed.size(), 2);
    QCOMPARE(model.index(0, TrainingRunModel::EpochsColumn).data().toString(),
             QStringLiteral("3 / 3"));
    QCOMPARE(model.index(1, TrainingRunModel::EpochsColumn).data().toString(), QStringLiteral("1"));
    QCOMPARE(model.index(0, TrainingRunModel::StatusColumn).data().toString(),
             QStringLiteral("training"));
    QVERIFY(model.setData(model.index(0, 0), QStringLiteral("renamed"), Qt::EditRole));
    QVERIFY(!model.setData(model.index(0, 0), QString(), Qt::EditRole));
    QVERIFY(model.setData(model.index(1, 0), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(model.index(1, 0).data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Unchecked);
    QCOMPARE(model.liveRow(), 1);
    feed.finish(*first);
    QTRY_COMPARE(model.index(0, TrainingRunModel::StatusColumn).data().toString(),
                 QStringLiteral("finished"));
    QVERIFY(model.removeRows(0, 1));
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("second"));
    QVERIFY(!model.removeRows(1, 1));
    // Runs added later keep numbering and colours going.
    model.addRun(feed.start());
    QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("run 3"));
    QVERIFY(model.colour(1) != model.colour(0));
}

void TestTrainingHistoryView::csvExportIsExact() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    auto first = feed.start(3);
    auto second = feed.start(2);
    view.addRun(first, QStringLiteral("adam"));
    view.addRun(second, QStringLiteral("sgd, lr=0.1"));
    feed.epoch(*first, {{"loss", 0.5}, {"val_loss", 0.75}}, 1.5);
    feed.epoch(*first, {{"loss", 0.25}, {"val_loss", 0.625}}, 0.5);
    feed.epoch(*first, {{"loss", 0.125}, {"val_loss", std::nan("")}}, 0.25);
    feed.epoch(*second, {{"loss", 2}, {"accuracy", 0.1}}, 3);
    feed.epoch(*second, {{"loss", 1e-7}, {"accuracy", 0.3333333333333333}}, 2);
    feed.finish(*first);
    QTRY_VERIFY(first->isFinished());

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("history.csv"));
    QVERIFY(view.exportCsv(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString expected = QStringLiteral("run,epoch,loss,val_loss,accuracy,seconds\n"
                                            "adam,1,0.5,0.75,,1.5\n"
                                            "adam,2,0.25,0.625,,0.5\n"
                                            "adam,3,0.125,nan,,0.25\n"
                                            "\"sgd, lr=0.1\",1,2,,0.1,3\n"
                                            "\"sgd, lr=0.1\",2,1e-07,,0.3333333333333333,2\n");
    QCOMPARE(QString::fromUtf8(file.readAll()), expected);
    QString error;
    QVERIFY(!view.exportCsv(dir.filePath(QStringLiteral("missing/dir/x.csv")), &error));
    QVERIFY(!error.isEmpty());
}

void TestTrainingHistoryView::pngExportWritesTheCharts() {
    qk::test::HistoryFeed feed;
    TrainingHistoryView view;
    view.resize(1000, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto history = feed.start(30);
    view.addRun(history);
    for (int e = 1; e <= 30; ++e)
        feed.epoch(*history, logsAt(e));
    view.redrawNow();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("charts.png"));
    QVERIFY(view.exportPng(path));
    QImage image(path);
    QVERIFY(!image.isNull());
    const QSize area = view.findChild<QWidget*>(QStringLiteral("chartArea"))->size();
    QCOMPARE(image.size(), area * image.devicePixelRatio());
    QVERIFY(area.width() > 500 && area.height() > 200);
    // The run's colour is in the picture: the lines were drawn.
    const QColor runColour = view.runs().colour(0);
    int runPixels = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - runColour.red()) < 8 &&
                std::abs(c.green() - runColour.green()) < 8 &&
                std::abs(c.blue() - runColour.blue()) < 8)
                ++runPixels;
        }
    }
    QVERIFY2(runPixels > 200, qPrintable(QString::number(runPixels)));
}

QTEST_MAIN(TestTrainingHistoryView)
#include "tst_traininghistoryview.moc"

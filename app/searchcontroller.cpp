// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/searchcontroller.h"

#include "app/catalogsource.h"
#include "app/document.h"
#include "app/sessionhost.h"
#include "app/trainingcontroller.h"
#include "inspectors/searchtrialmodel.h"

#include <QRegularExpression>
#include <QUndoStack>

#include <cmath>
#include <stdexcept>

namespace qk::app {

namespace {

[[noreturn]] void refuse(const QString& message) {
    throw std::invalid_argument(message.toStdString());
}

double number(const QString& text, const QString& whole) {
    bool ok = false;
    const double value = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(value))
        refuse(QStringLiteral("'%1' is not a number in '%2'").arg(text.trimmed(), whole));
    return value;
}

qint64 integer(const QString& text, const QString& whole) {
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok)
        refuse(QStringLiteral("'%1' is not a whole number in '%2'").arg(text.trimmed(), whole));
    return value;
}

Value choiceValue(const QString& text) {
    bool ok = false;
    const qint64 i = text.toLongLong(&ok);
    if (ok)
        return Value(static_cast<long long>(i));
    const double d = text.toDouble(&ok);
    if (ok)
        return Value(d);
    QString plain = text;
    if (plain.size() >= 2 && (plain.front() == u'\'' || plain.front() == u'"') &&
        plain.back() == plain.front())
        plain = plain.mid(1, plain.size() - 2);
    return Value(plain);
}

QString trialCount(int n) {
    return n == 1 ? SearchController::tr("1 trial") : SearchController::tr("%1 trials").arg(n);
}

QString shortNumber(double value) {
    return QString::number(value, 'g', 3);
}

} // namespace

keras::HyperParameter parseRange(const QString& name, const QString& text, bool integerRange) {
    const QString whole = text.trimmed();
    if (whole.isEmpty())
        refuse(QStringLiteral("the range of %1 is empty").arg(name));
    static const QRegularExpression span(
        QStringLiteral(R"(^(\S+)\s*\.\.\s*(\S+?)(?:\s+(?:step\s+(\S+)|(log)))?$)"));
    const QRegularExpressionMatch m = span.match(whole);
    if (m.hasMatch()) {
        if (integerRange) {
            if (m.capturedLength(4) > 0)
                refuse(QStringLiteral("%1 takes whole numbers: no log scale").arg(name));
            const qint64 lo = integer(m.captured(1), whole);
            const qint64 hi = integer(m.captured(2), whole);
            const qint64 step = m.capturedLength(3) > 0 ? integer(m.captured(3), whole) : 1;
            if (lo >= hi)
                refuse(QStringLiteral("%1: the range %2 is empty").arg(name, whole));
            if (step < 1)
                refuse(QStringLiteral("%1: the step must be at least 1").arg(name));
            return keras::HyperParameter::integer(name, lo, hi, step);
        }
        const double lo = number(m.captured(1), whole);
        const double hi = number(m.captured(2), whole);
        const bool log = m.capturedLength(4) > 0;
        if (lo >= hi)
            refuse(QStringLiteral("%1: the range %2 is empty").arg(name, whole));
        if (log && lo <= 0)
            refuse(QStringLiteral("%1: a log scale needs a range above 0").arg(name));
        if (m.capturedLength(3) > 0)
            refuse(QStringLiteral("%1: a range of real numbers takes 'log' or nothing after it")
                       .arg(name));
        return keras::HyperParameter::real(name, lo, hi, log);
    }
    std::vector<Value> choices;
    for (const QString& part : whole.split(u',', Qt::SkipEmptyParts)) {
        if (!part.trimmed().isEmpty())
            choices.push_back(choiceValue(part.trimmed()));
    }
    if (choices.size() < 2)
        refuse(QStringLiteral("%1: give a range 'low..high' or at least two choices separated "
                              "by commas, not '%2'")
                   .arg(name, whole));
    return keras::HyperParameter::choice(name, std::move(choices));
}

QString suggestRange(const Value& current) {
    if (current.isInt()) {
        const qint64 v = std::max<qint64>(2, current.toInt());
        const qint64 step = std::max<qint64>(1, v / 2);
        return QStringLiteral("%1..%2 step %3").arg(step).arg(v * 2).arg(step);
    }
    if (current.isFloat()) {
        const double v = current.toDouble();
        if (v > 0 && v < 1 && v >= 0.05) // a rate
            return QStringLiteral("0..%1").arg(shortNumber(std::min(0.9, v * 2.5)));
        if (v > 0)
            return QStringLiteral("%1..%2 log").arg(shortNumber(v / 10), shortNumber(v * 10));
    }
    return {};
}

SearchController::SearchController(SessionHost& host, Document& document,
                                   const CatalogSource& catalog, QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_document(document)
    , m_catalog(catalog)
    , m_trials(new inspectors::SearchTrialModel(this)) {
    // The search's tuner lives in the session's worker: a restart or a new session ends it.
    connect(&host, &SessionHost::restarting, this, [this] {
        if (m_search && m_running)
            m_search->abandon(tr("the session's worker was restarted"));
    });
}

SearchController::~SearchController() {
    m_trials->setSearch(nullptr);
}

keras::KerasObject SearchController::namedArguments(const keras::KerasObject& layer) const {
    const keras::CatalogEntry* entry = m_catalog.entryFor(layer);
    return entry ? keras::Catalog::withNamedArguments(*entry, layer) : layer;
}

bool SearchController::start(const std::vector<SearchRange>& ranges, keras::SearchOptions options,
                             QString* error) {
    const auto refused = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_running)
        return refused(tr("A search is in progress."));
    if (const QString why = TrainingController::whyNotTrainable(m_document); !why.isEmpty())
        return refused(why);
    if (ranges.empty())
        return refused(tr("Choose at least one argument to search."));

    const TrainingSettings& training = m_document.trainingSettings();
    if (!options.fit.epochs)
        options.fit.epochs = training.epochs;
    if (!options.fit.batchSize && training.batchSize)
        options.fit.batchSize = training.batchSize;
    if (!options.fit.validationSplit && training.validationSplit > 0)
        options.fit.validationSplit = training.validationSplit;
    if (options.objective.startsWith(QLatin1String("val_")) && !options.fit.validationSplit)
        return refused(tr("The objective %1 needs a validation split (Training panel).")
                           .arg(options.objective));

    TrainingData data;
    try {
        data = TrainingController::prepareData(m_document);
    } catch (const std::exception& e) {
        return refused(QString::fromUtf8(e.what()));
    }

    keras::HyperModel model;
    if (m_document.isGraph()) {
        // The graph as Export Python Script builds it, the searched arguments as ranges.
        ModelGraph graph = m_document.graph();
        for (GraphNode& node : graph.nodes) {
            for (const SearchRange& range : ranges) {
                if (range.layerId == node.id) {
                    node.object = namedArguments(node.object);
                    node.object.set(range.argument, range.range);
                }
            }
        }
        try {
            model.graph = graph.buildCode(QStringLiteral("model"));
        } catch (const std::exception& e) {
            return refused(QString::fromUtf8(e.what()));
        }
    } else {
        for (const LayerItem& item : m_document.layers()) {
            keras::Layer layer = item.layer;
            for (const SearchRange& range : ranges) {
                if (range.layerId == item.id) {
                    layer = keras::Layer(namedArguments(layer));
                    layer.set(range.argument, range.range);
                }
            }
            model.layers.push_back(layer);
        }
    }
    const CompileSettings& compile = m_document.compileSettings();
    keras::KerasObject optimizer = compile.optimizer;
    for (const SearchRange& range : ranges) {
        if (range.layerId == 0)
            optimizer.set(range.argument, range.range);
    }
    model.loss = compile.loss;
    model.optimizer = optimizer;
    model.metrics = TrainingController::metricsFor(m_document);
    options.session = m_host.options();

    auto search = std::make_unique<keras::Search>(m_host.session(), std::move(model), data.xTrain,
                                                  data.yTrain, std::move(options));
    connect(search.get(), &keras::Search::trialStarted, this, [this](const keras::Trial& trial) {
        Q_EMIT trialStarted(trial.history, trial.title());
    });
    m_trials->setSearch(search.get());
    m_search = std::move(search);
    m_ranges = ranges;
    m_best.reset();
    m_running = true;
    Q_EMIT runningChanged(true);
    m_search->start().then(this, [this](const QFuture<keras::SearchResult>&) { onFinished(); });
    Q_EMIT searchStarted(m_search.get());
    return true;
}

void SearchController::onFinished() {
    m_running = false;
    QString message;
    bool ok = true;
    try {
        const keras::SearchResult result = m_search->future().result();
        m_best = result.best;
        if (m_best && m_best->score) {
            message = tr("Search ended after %1; best: %2 (%3 %4)")
                          .arg(trialCount(static_cast<int>(result.trials.size())), m_best->title(),
                               result.objective, QString::number(*m_best->score, 'g', 4));
        } else {
            // Nothing to open: say why, from the first trial that failed or was lost.
            message = tr("Search ended with no scored trial.");
            for (const keras::Trial& trial : result.trials) {
                if (!trial.reason.isEmpty() && (trial.status == keras::Trial::Status::Failed ||
                                                trial.status == keras::Trial::Status::Lost)) {
                    ok = false;
                    message +=
                        u' ' + tr("Trial %1 %2: %3")
                                   .arg(trial.number())
                                   .arg(keras::Trial::statusName(trial.status), trial.reason);
                    break;
                }
            }
        }
        if (!result.error.isEmpty())
            message += u' ' + tr("It stopped early: %1").arg(result.error);
    } catch (const std::exception& e) {
        ok = false;
        message = tr("The search failed: %1").arg(QString::fromUtf8(e.what()));
    }
    Q_EMIT runningChanged(false);
    Q_EMIT finished(ok, message);
}

void SearchController::stop() {
    if (m_search && m_running)
        m_search->stop();
}

bool SearchController::openBest(QString* error) {
    if (!m_best) {
        if (error)
            *error = tr("No search has a best trial yet.");
        return false;
    }
    const auto valueOf = [this](const QString& name) -> std::optional<Value> {
        for (const auto& [key, value] : m_best->values) {
            if (key == name)
                return value;
        }
        return std::nullopt;
    };
    QUndoStack* undo = m_document.undoStack();
    undo->beginMacro(tr("Open best trial %1").arg(m_best->number()));
    CompileSettings compile = m_document.compileSettings();
    bool compileChanged = false;
    for (const SearchRange& range : m_ranges) {
        const std::optional<Value> value = valueOf(range.range.name());
        if (!value)
            continue;
        if (range.layerId == 0) {
            compile.optimizer.set(range.argument, *value);
            compileChanged = true;
        } else if (const keras::KerasObject* layer = m_document.findLayer(range.layerId)) {
            keras::KerasObject changed = namedArguments(*layer);
            changed.set(range.argument, *value);
            m_document.setLayerObject(range.layerId, changed,
                                      tr("Set %1 of %2").arg(range.argument, layer->className()));
        }
    }
    if (compileChanged)
        m_document.setCompileSettings(compile);
    undo->endMacro();
    return true;
}

} // namespace qk::app

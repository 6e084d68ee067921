// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/search.h"

#include <QObject>

#include <memory>
#include <optional>
#include <vector>

namespace qk::inspectors {
class SearchTrialModel;
}

namespace qk::app {

class CatalogSource;
class Document;
class SessionHost;

// An argument a search varies: a layer's (by its id in the document) or, with layerId 0, the
// optimizer's; `range` names the hyper-parameter.
struct SearchRange {
    int layerId = 0;
    QString argument;
    keras::HyperParameter range;
};

// Reads a range as typed in the search dialog: "8..64 step 8" or "8..64" (integers when
// `integer`), "0.0001..0.1 log", "0.1..0.5", or choices "relu, tanh" / "16, 32, 64". Throws
// std::invalid_argument with the reason.
keras::HyperParameter parseRange(const QString& name, const QString& text, bool integer);
// A range around an argument's current value: 16 -> "8..32 step 8", 0.01 -> "0.001..0.1 log",
// a rate of 0.2 -> "0..0.5"; empty when the value is not a number.
QString suggestRange(const Value& current);

// Runs a hyper-parameter search over the document's model (a list or a graph): the chosen
// arguments become ranges, each trial's history is announced with its title for the
// training-history chart, and openBest() sets the builder's arguments to the best trial's
// values.
class SearchController : public QObject {
    Q_OBJECT
public:
    SearchController(SessionHost& host, Document& document, const CatalogSource& catalog,
                     QObject* parent = nullptr);
    ~SearchController() override;

    // Starts a search; false, with the reason, when it cannot (nothing to search, a model the
    // Data panel's rows cannot train, data that cannot be read, a search already running).
    bool start(const std::vector<SearchRange>& ranges, keras::SearchOptions options,
               QString* error = nullptr);
    void stop();
    bool isRunning() const { return m_running; }
    const keras::Search* search() const { return m_search.get(); }
    inspectors::SearchTrialModel& trials() const { return *m_trials; }
    // The best trial of the last search that ended, if any.
    const std::optional<keras::Trial>& best() const { return m_best; }
    // Sets the searched arguments to the best trial's values, as one undoable edit.
    bool openBest(QString* error = nullptr);
    // The layer with the arguments it takes by position given by name where the catalog
    // knows its signature (keras::Dense(16) as Dense(units=16)): the arguments a search
    // offers and varies.
    keras::KerasObject namedArguments(const keras::KerasObject& layer) const;
    const CatalogSource& catalog() const { return m_catalog; }

Q_SIGNALS:
    void trialStarted(std::shared_ptr<qk::keras::TrainingHistory> history, const QString& title);
    // A search started its trial processes (the Workers panel lists them).
    void searchStarted(qk::keras::Search* search);
    void runningChanged(bool running);
    void finished(bool ok, const QString& message);

private:
    void onFinished();

    SessionHost& m_host;
    Document& m_document;
    const CatalogSource& m_catalog;
    std::unique_ptr<keras::Search> m_search;
    inspectors::SearchTrialModel* m_trials;
    std::vector<SearchRange> m_ranges;
    std::optional<keras::Trial> m_best;
    bool m_running = false;
};

} // namespace qk::app

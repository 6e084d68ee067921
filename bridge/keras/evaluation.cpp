// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/evaluation.h"

#include <cmath>
#include <stdexcept>

namespace qk::keras {

namespace {

// The values of an array (any numeric dtype) or of a list of numbers, flattened.
std::vector<double> numbers(const Value& v) {
    std::vector<double> out;
    if (v.isArray()) {
        const NdArray& a = v.toArray();
        out.reserve(static_cast<std::size_t>(a.size()));
        for (std::int64_t i = 0; i < a.size(); ++i)
            out.push_back(a.valueAt(i));
    } else {
        for (const Value& item : v.items())
            out.push_back(item.toDouble());
    }
    return out;
}

// The number of columns of a 2-d array (1 for a list or a 1-d array).
std::size_t columnsOf(const Value& v) {
    if (!v.isArray() || v.toArray().ndim() < 2)
        return 1;
    return static_cast<std::size_t>(v.toArray().shape().at(1));
}

Evaluation::Task taskFromName(const QString& name) {
    if (name == QLatin1String("classification"))
        return Evaluation::Task::Classification;
    if (name == QLatin1String("regression"))
        return Evaluation::Task::Regression;
    return Evaluation::Task::Other;
}

void readClassification(const Value& v, Evaluation& e) {
    const auto k = static_cast<std::size_t>(v["classes"].toInt());
    const std::vector<double> counts = numbers(v["confusion"]);
    if (counts.size() != k * k)
        throw std::runtime_error("the confusion matrix does not have one row per class");
    e.confusion.assign(k, std::vector<std::int64_t>(k, 0));
    for (std::size_t t = 0; t < k; ++t) {
        for (std::size_t p = 0; p < k; ++p)
            e.confusion[t][p] = std::llround(counts[t * k + p]);
    }
    e.misclassified = v["misclassified"].toInt();
    const Value& table = v["predictions"];
    const std::vector<double> rows = numbers(table["row"]);
    const std::vector<double> truth = numbers(table["true"]);
    const std::vector<double> predicted = numbers(table["predicted"]);
    const std::vector<double> confidence = numbers(table["confidence"]);
    if (truth.size() != rows.size() || predicted.size() != rows.size() ||
        confidence.size() != rows.size())
        throw std::runtime_error("the predictions' columns differ in length");
    e.predictions.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Evaluation::Prediction p;
        p.row = std::llround(rows[i]);
        p.trueClass = static_cast<int>(truth[i]);
        p.predictedClass = static_cast<int>(predicted[i]);
        p.confidence = confidence[i];
        e.predictions.push_back(std::move(p));
    }
}

void readRegression(const Value& v, Evaluation& e) {
    const Value& table = v["predictions"];
    const std::vector<double> rows = numbers(table["row"]);
    const std::vector<double> truth = numbers(table["true"]);
    const std::vector<double> predicted = numbers(table["predicted"]);
    const std::vector<double> error = numbers(table["error"]);
    const std::size_t outputs = columnsOf(table["true"]);
    if (truth.size() != rows.size() * outputs || predicted.size() != truth.size() ||
        error.size() != rows.size())
        throw std::runtime_error("the predictions' columns differ in length");
    e.predictions.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Evaluation::Prediction p;
        p.row = std::llround(rows[i]);
        const auto from = static_cast<std::ptrdiff_t>(i * outputs);
        const auto to = from + static_cast<std::ptrdiff_t>(outputs);
        p.trueValues.assign(truth.begin() + from, truth.begin() + to);
        p.predictedValues.assign(predicted.begin() + from, predicted.begin() + to);
        p.error = error[i];
        e.predictions.push_back(std::move(p));
    }
}

} // namespace

QString Evaluation::className(int index) const {
    if (index >= 0 && index < classNames.size())
        return classNames.at(index);
    return QString::number(index);
}

std::int64_t Evaluation::count(int trueClass, int predictedClass) const {
    if (trueClass < 0 || predictedClass < 0 || trueClass >= classCount() ||
        predictedClass >= classCount())
        return 0;
    return confusion[static_cast<std::size_t>(trueClass)][static_cast<std::size_t>(predictedClass)];
}

std::int64_t Evaluation::correct() const {
    std::int64_t sum = 0;
    for (int c = 0; c < classCount(); ++c)
        sum += count(c, c);
    return sum;
}

std::int64_t Evaluation::support(int trueClass) const {
    std::int64_t sum = 0;
    for (int p = 0; p < classCount(); ++p)
        sum += count(trueClass, p);
    return sum;
}

std::int64_t Evaluation::predictedCount(int predicted) const {
    std::int64_t sum = 0;
    for (int t = 0; t < classCount(); ++t)
        sum += count(t, predicted);
    return sum;
}

double Evaluation::recall(int trueClass) const {
    const std::int64_t rowsOfClass = support(trueClass);
    return rowsOfClass == 0 ? std::numeric_limits<double>::quiet_NaN()
                            : static_cast<double>(count(trueClass, trueClass)) /
                                  static_cast<double>(rowsOfClass);
}

double Evaluation::precision(int predicted) const {
    const std::int64_t asClass = predictedCount(predicted);
    return asClass == 0
               ? std::numeric_limits<double>::quiet_NaN()
               : static_cast<double>(count(predicted, predicted)) / static_cast<double>(asClass);
}

Evaluation Evaluation::fromValue(const Value& value, const QStringList& classNames) {
    try {
        Evaluation e;
        for (const auto& [key, score] : value["scores"].toDict())
            e.scores.insert(key.toString(), score.toDouble());
        e.task = taskFromName(value["task"].toString());
        e.rows = value["rows"].toInt();
        if (value.contains(QStringLiteral("note")))
            e.note = value["note"].toString();
        if (e.task == Task::Classification) {
            readClassification(value, e);
            if (classNames.size() == e.classCount())
                e.classNames = classNames;
        } else if (e.task == Task::Regression) {
            readRegression(value, e);
        }
        return e;
    } catch (const std::runtime_error&) {
        throw;
    } catch (const std::exception& error) {
        // A missing key (std::out_of_range) or a value of another kind (bad_variant_access).
        throw std::runtime_error(std::string("not an evaluation report: ") + error.what());
    }
}

} // namespace qk::keras

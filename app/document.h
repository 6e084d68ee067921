#pragma once

#include <QObject>

class QUndoStack;

namespace qk::app {

// The project being edited: owns the undo history of every edit to it. The model builder,
// training settings and data source become parts of it.
class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);

    QUndoStack* undoStack() const { return m_undoStack; }
    QString displayName() const;
    bool isModified() const;

Q_SIGNALS:
    void modifiedChanged(bool modified);

private:
    QUndoStack* m_undoStack;
    QString m_fileName;
};

} // namespace qk::app

// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 14: text written for a terminal, shown without its escape sequences: SGR renditions
// become formats, everything else is dropped, also when a sequence is cut between chunks.
#include "inspectors/terminaltext.h"

#include <QFont>
#include <QTest>

using qk::inspectors::TerminalText;

class TestTerminalText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void strip_data();
    void strip();
    void renditionsBecomeFormats();
    void sequenceCutBetweenChunks();
};

void TestTerminalText::strip_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("plain");
    const QString esc(QChar(0x1b));
    QTest::newRow("plain") << QStringLiteral("no codes") << QStringLiteral("no codes");
    QTest::newRow("bold (Keras)") << esc + "[1mInput 0" + esc + "[0m is incompatible"
                                  << QStringLiteral("Input 0 is incompatible");
    QTest::newRow("256 colours") << esc + "[38;5;196mred" + esc + "[39m" << QStringLiteral("red");
    QTest::newRow("24-bit colour")
        << esc + "[38;2;10;20;30mrgb" + esc + "[m" << QStringLiteral("rgb");
    QTest::newRow("hyperlink (OSC 8)")
        << esc + "]8;;https://keras.io" + QChar(0x07) + "link" + esc + "]8;;" + esc + "\\"
        << QStringLiteral("link");
    QTest::newRow("cursor movement") << "a" + esc + "[2K" + esc + "[1Gb" << QStringLiteral("ab");
    QTest::newRow("charset") << esc + "(Bx" << QStringLiteral("x");
    QTest::newRow("bell") << QStringLiteral("ding") + QChar(0x07) << QStringLiteral("ding");
    QTest::newRow("unfinished at the end") << "ok" + esc + "[1" << QStringLiteral("ok");
}

void TestTerminalText::strip() {
    QFETCH(QString, text);
    QFETCH(QString, plain);
    QCOMPARE(TerminalText::strip(text), plain);
}

void TestTerminalText::renditionsBecomeFormats() {
    const QString esc(QChar(0x1b));
    TerminalText parser;
    QTextCharFormat base;
    base.setForeground(QColor(Qt::black));
    const QList<TerminalText::Span> spans =
        parser.parse(esc + "[1mbold" + esc + "[22m " + esc + "[31;4mred" + esc + "[0m plain", base);
    QCOMPARE(spans.size(), 4);
    QCOMPARE(spans.at(0).text, QStringLiteral("bold"));
    QCOMPARE(spans.at(0).format.fontWeight(), int(QFont::Bold));
    QCOMPARE(spans.at(1).text, QStringLiteral(" "));
    QVERIFY(spans.at(1).format.fontWeight() != int(QFont::Bold));
    QCOMPARE(spans.at(2).text, QStringLiteral("red"));
    QVERIFY(spans.at(2).format.fontUnderline());
    QCOMPARE(spans.at(2).format.foreground().color(), QColor(0xcd, 0x31, 0x31));
    QCOMPARE(spans.at(3).text, QStringLiteral(" plain"));
    QCOMPARE(spans.at(3).format.foreground().color(), QColor(Qt::black));
}

void TestTerminalText::sequenceCutBetweenChunks() {
    const QString esc(QChar(0x1b));
    TerminalText parser;
    QString shown;
    bool boldSeen = false;
    for (const QString& chunk : {QStringLiteral("a") + esc, QStringLiteral("[1"),
                                 QStringLiteral("mb") + esc + "[0", QStringLiteral("mc")}) {
        for (const TerminalText::Span& span : parser.parse(chunk, {})) {
            shown += span.text;
            if (span.text == QLatin1String("b"))
                boldSeen = span.format.fontWeight() == QFont::Bold;
        }
    }
    QCOMPARE(shown, QStringLiteral("abc"));
    QVERIFY(boldSeen);
}

QTEST_MAIN(TestTerminalText)
#include "tst_terminaltext.moc"

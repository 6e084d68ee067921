// SPDX-License-Identifier: GPL-3.0-or-later
// qk::protocol::sharedSlice, the one place that uses QByteArray's internal data pointer: on
// each Qt version the project builds with, a slice shares its bytes' memory, reads as the
// bytes it stands for, outlives the array it came from, and detaches when written to.

#include "bridge/protocol/sharedslice.h"

#include <QTest>

#include <memory>

using qk::protocol::sharedSlice;

class TestSharedSlice : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sharesTheBlock_data();
    void sharesTheBlock();
    void outlivesTheArray();
    void writingDetaches();
    void sliceOfASlice();
    void rawDataIsCopied();
};

namespace {

QByteArray counting(qsizetype size) {
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(i % 251);
    return bytes;
}

} // namespace

void TestSharedSlice::sharesTheBlock_data() {
    QTest::addColumn<qsizetype>("offset");
    QTest::addColumn<qsizetype>("size");
    QTest::newRow("middle") << qsizetype(100) << qsizetype(500);
    QTest::newRow("head") << qsizetype(0) << qsizetype(10);
    QTest::newRow("tail") << qsizetype(900) << qsizetype(100);
    QTest::newRow("whole") << qsizetype(0) << qsizetype(1000);
    QTest::newRow("empty") << qsizetype(1000) << qsizetype(0);
}

void TestSharedSlice::sharesTheBlock() {
    QFETCH(qsizetype, offset);
    QFETCH(qsizetype, size);
    const QByteArray bytes = counting(1000);
    const QByteArray slice = sharedSlice(bytes, offset, size);
    QCOMPARE(slice.size(), size);
    QCOMPARE(slice, bytes.mid(offset, size));
    if (size > 0)
        QCOMPARE(slice.constData(), bytes.constData() + offset); // not a copy
    QCOMPARE(bytes, counting(1000));
}

void TestSharedSlice::outlivesTheArray() {
    auto bytes = std::make_unique<QByteArray>(counting(4096));
    const char* block = bytes->constData();
    QByteArray slice = sharedSlice(*bytes, 1000, 2000);
    bytes.reset();
    QCOMPARE(slice.constData(), block + 1000);
    QCOMPARE(slice, counting(4096).mid(1000, 2000));
    // Now the slice's only owner: growing it must keep its bytes and add the new ones.
    slice.append("tail");
    QCOMPARE(slice.size(), 2004);
    QCOMPARE(slice.first(2000), counting(4096).mid(1000, 2000));
    QVERIFY(slice.endsWith("tail"));
    slice.prepend("head");
    QVERIFY(slice.startsWith("head"));
    QCOMPARE(slice.sliced(4, 2000), counting(4096).mid(1000, 2000));
}

void TestSharedSlice::writingDetaches() {
    const QByteArray bytes = counting(1000);
    QByteArray slice = sharedSlice(bytes, 10, 20);
    slice[0] = 'x';
    QVERIFY(slice.constData() != bytes.constData() + 10);
    QCOMPARE(slice.front(), 'x');
    QCOMPARE(slice.sliced(1), counting(1000).mid(11, 19));
    QCOMPARE(bytes, counting(1000));                 // the array it came from is as it was
    QCOMPARE(slice.constData()[slice.size()], '\0'); // a detached copy is terminated again
}

void TestSharedSlice::sliceOfASlice() {
    const QByteArray bytes = counting(1000);
    const QByteArray outer = sharedSlice(bytes, 100, 800);
    const QByteArray inner = sharedSlice(outer, 50, 100);
    QCOMPARE(inner.constData(), bytes.constData() + 150);
    QCOMPARE(inner, bytes.mid(150, 100));
}

void TestSharedSlice::rawDataIsCopied() {
    static const char text[] = "0123456789";
    const QByteArray raw = QByteArray::fromRawData(text, 10);
    const QByteArray slice = sharedSlice(raw, 2, 5);
    QCOMPARE(slice, QByteArray("23456"));
    QVERIFY(slice.constData() != text + 2); // no block to share: a copy that owns its bytes
    QCOMPARE(sharedSlice(QByteArray(), 0, 0), QByteArray());
}

QTEST_APPLESS_MAIN(TestSharedSlice)
#include "tst_sharedslice.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cerrno>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qk::test {

// A raw loopback connection: sends bytes as they are and reads until the server closes.
class RawConnection {
public:
    explicit RawConnection(quint16 port, bool blocking = true) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{10, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        if (!blocking)
            ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 ||
                      errno == EINPROGRESS;
    }
    ~RawConnection() { ::close(m_fd); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return m_connected; }
    // Sends what the peer takes; false once the peer has closed.
    bool send(QByteArrayView bytes) {
        const ssize_t n = ::send(m_fd, bytes.data(), size_t(bytes.size()), MSG_NOSIGNAL);
        return n >= 0 || errno == EAGAIN || errno == ENOTCONN;
    }
    // A response head (up to its blank line), without waiting for the server to close.
    QByteArray readHead() {
        QByteArray head;
        char c = 0;
        while (!head.endsWith("\r\n\r\n") && ::recv(m_fd, &c, 1, 0) == 1)
            head.append(c);
        return head;
    }
    // Everything the server sends until it closes (or 10 s pass).
    QByteArray readAll() {
        QByteArray all;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                return all;
            all.append(buffer, n);
        }
    }
    // Non-blocking: whether the server has closed the connection (or never accepted it).
    bool closedByServer() {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                continue; // a last answer (408, 503) before the close
            if (n == 0)
                return true;
            return errno != EAGAIN && errno != EWOULDBLOCK;
        }
    }

private:
    int m_fd = -1;
    bool m_connected = false;
};

} // namespace qk::test

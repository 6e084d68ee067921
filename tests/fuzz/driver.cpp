// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a libFuzzer harness without libFuzzer: replays the seed corpus, then a bounded number
// of deterministic mutations of it. Lets ctest exercise every harness with the project's own
// compiler; scripts/fuzz.sh runs the same harnesses under real libFuzzer with sanitizers.
//
// Usage: <harness> [--runs N] [--seconds S] [--seed K] <corpus file or directory>...
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

using Input = std::vector<std::uint8_t>;

Input readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Input(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Byte values that matter to the decoders: syntax, MessagePack type markers, extremes.
constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x5b,
                                         0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0x90, 0x9f, 0xc0, 0xc4,
                                         0xc6, 0xcf, 0xd3, 0xdc, 0xdd, 0xde, 0xdf, 0xff};

Input mutate(const std::vector<Input>& corpus, std::mt19937_64& random) {
    Input input = corpus[random() % corpus.size()];
    const int steps = 1 + int(random() % 4);
    for (int step = 0; step < steps; ++step) {
        const std::size_t size = input.size();
        const std::size_t at = size == 0 ? 0 : random() % size;
        switch (random() % 8) {
        case 0: // flip a bit
            if (size > 0)
                input[at] ^= std::uint8_t(1u << (random() % 8));
            break;
        case 1: // an interesting byte
            if (size > 0)
                input[at] = kInteresting[random() % std::size(kInteresting)];
            break;
        case 2: // insert a byte
            input.insert(input.begin() + std::ptrdiff_t(at),
                         kInteresting[random() % std::size(kInteresting)]);
            break;
        case 3: // delete a run
            if (size > 0)
                input.erase(input.begin() + std::ptrdiff_t(at),
                            input.begin() + std::ptrdiff_t(std::min(size, at + 1 + random() % 8)));
            break;
        case 4: // truncate
            input.resize(at);
            break;
        case 5: { // duplicate a run
            const std::size_t length =
                size == 0 ? 0 : std::min<std::size_t>(size - at, 1 + random() % 32);
            const Input run(input.begin() + std::ptrdiff_t(at),
                            input.begin() + std::ptrdiff_t(at + length));
            input.insert(input.begin() + std::ptrdiff_t(at), run.begin(), run.end());
            break;
        }
        case 6: { // splice in a piece of another seed
            const Input& other = corpus[random() % corpus.size()];
            if (!other.empty()) {
                const std::size_t from = random() % other.size();
                const std::size_t length =
                    std::min<std::size_t>(other.size() - from, 1 + random() % 64);
                input.insert(input.begin() + std::ptrdiff_t(at),
                             other.begin() + std::ptrdiff_t(from),
                             other.begin() + std::ptrdiff_t(from + length));
            }
            break;
        }
        default: // a random byte
            if (size > 0)
                input[at] = std::uint8_t(random());
            break;
        }
    }
    return input;
}

} // namespace

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long runs = 2000;
    double seconds = 5.0;
    std::uint64_t seed = 1;
    std::vector<Input> corpus;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            runs = std::strtol(argv[++i], nullptr, 10);
        } else if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::strtod(argv[++i], nullptr);
        } else if (arg == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (std::filesystem::is_directory(arg)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(arg))
                files.push_back(entry.path());
            std::sort(files.begin(), files.end()); // the same order on every run
            for (const auto& file : files)
                corpus.push_back(readFile(file));
        } else if (std::filesystem::is_regular_file(arg)) {
            corpus.push_back(readFile(arg));
        } else {
            std::fprintf(stderr, "no such corpus: %s\n", arg.c_str());
            return 2;
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: %s [--runs N] [--seconds S] [--seed K] CORPUS...\n", argv[0]);
        return 2;
    }
    for (const Input& input : corpus)
        LLVMFuzzerTestOneInput(input.data(), input.size());

    std::mt19937_64 random(seed);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(seconds));
    long done = 0;
    for (; done < runs && std::chrono::steady_clock::now() < deadline; ++done) {
        const Input input = mutate(corpus, random);
        LLVMFuzzerTestOneInput(input.data(), input.size());
    }
    std::printf("%zu seeds and %ld mutations ran without a crash\n", corpus.size(), done);
    return 0;
}

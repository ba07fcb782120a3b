// Time one forward step of RTNeural's compile-time LSTMLayerT / GRULayerT at batch 1, input = hidden, each step's output
// fed back as the next input (as issue 14 measured it); 1 s of warm-up, then the best of 5 blocks of 0.4 s.
#include <RTNeural/RTNeural.h>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

template <typename Layer, int H, int Gates, bool Gru>
double timeLayer()
{
    Layer layer;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> d(-1.0f / std::sqrt((float)H), 1.0f / std::sqrt((float)H));
    std::vector<std::vector<float>> w(H, std::vector<float>(Gates * H)), u(H, std::vector<float>(Gates * H));
    for (auto& row : w) for (auto& v : row) v = d(rng);
    for (auto& row : u) for (auto& v : row) v = d(rng);
    layer.setWVals(w);
    layer.setUVals(u);
    if constexpr (Gru)
    {
        std::vector<std::vector<float>> b(2, std::vector<float>(Gates * H));
        for (auto& row : b) for (auto& v : row) v = d(rng);
        layer.setBVals(b);
    }
    else
    {
        std::vector<float> b(Gates * H);
        for (auto& v : b) v = d(rng);
        layer.setBVals(b);
    }
    layer.reset();
    Eigen::Matrix<float, H, 1> x;
    for (int i = 0; i < H; ++i) x(i) = std::sin((float)i);
    using clock = std::chrono::steady_clock;
    auto run = [&](long steps) { for (long s = 0; s < steps; ++s) { layer.forward(x); x = layer.outs; } };
    auto start = clock::now();
    while (clock::now() - start < std::chrono::seconds(1)) run(1000);
    double best = 1e30;
    for (int block = 0; block < 5; ++block)
    {
        long steps = 0;
        auto t0 = clock::now();
        while (clock::now() - t0 < std::chrono::milliseconds(400)) { run(1000); steps += 1000; }
        double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / steps;
        best = std::min(best, ns);
    }
    return best + (x(0) > 1e30 ? 1 : 0); // keep x alive
}

template <int H>
void both()
{
    double lstm = timeLayer<RTNeural::LSTMLayerT<float, H, H>, H, 4, false>();
    double gru = timeLayer<RTNeural::GRULayerT<float, H, H>, H, 3, true>();
    std::printf("hidden %3d: LSTMLayerT %8.1f ns  GRULayerT %8.1f ns\n", H, lstm, gru);
}

int main()
{
    both<8>(); both<16>(); both<32>(); both<64>(); both<128>();
}

namespace HighPerfRnn;

/// <summary>The recurrent cell of a layer, as in <c>torch.nn.RNN</c>, <c>torch.nn.LSTM</c> and <c>torch.nn.GRU</c>.</summary>
public enum RnnCell
{
    /// <summary>The Elman RNN of <c>torch.nn.RNN</c>: h' = act(W_ih x + b_ih + W_hh h + b_hh). One gate.</summary>
    Rnn = 0,

    /// <summary>The LSTM of <c>torch.nn.LSTM</c>: gates i, f, g, o and a cell state. Four gates.</summary>
    Lstm = 1,

    /// <summary>The GRU of <c>torch.nn.GRU</c>: gates r, z, n. Three gates.</summary>
    Gru = 2,
}

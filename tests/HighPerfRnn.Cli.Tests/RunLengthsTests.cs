using System.Buffers.Binary;
using System.Text;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Cli.Tests;

/// <summary><c>hprnn run</c> with an optional integer 'lengths' tensor: a padded batch run as PyTorch's packed sequences.</summary>
public sealed class RunLengthsTests
{
    /// <summary>rnn_relu_h0: nn.RNN(16, 32, relu), batch_first, batch 3, seq 20, with h0.</summary>
    private const string Fixture = "rnn_relu_h0";

    [Theory]
    [InlineData("I64")]
    [InlineData("I32")]
    public void Lengths_run_each_sequence_over_its_own_steps(string dtype)
    {
        using var temp = new Hprnn.TempDirectory();
        SafetensorsFile io = SafetensorsFile.Open(Hprnn.Io(Fixture));
        float[] input = io.ReadFloat32("input");
        float[] h0 = io.ReadFloat32("h0");
        long[] lengths = [20, 7, 13];
        string inPath = temp.File("in.safetensors");
        WriteInput(inPath, input, [3, 20, 16], h0, [1, 3, 32], lengths, dtype);
        string outPath = temp.File("out.safetensors");

        CliResult result = Hprnn.Run("run", Hprnn.Model(Fixture), "-i", inPath, "-o", outPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("lengths", result.Output, StringComparison.Ordinal);
        SafetensorsFile actual = SafetensorsFile.Open(outPath);
        float[] output = actual.ReadFloat32("output");
        float[] hN = actual.ReadFloat32("h_n");

        // Sequence 0 runs its full 20 steps: PyTorch's own results for it.
        double[] expected = io.ReadFloat64("output_f64");
        double[] expectedHN = io.ReadFloat64("h_n_f64");
        for (int i = 0; i < 20 * 32; i++)
        {
            Assert.True(Math.Abs(expected[i] - output[i]) <= 2e-5, $"output[{i}]");
        }

        for (int j = 0; j < 32; j++)
        {
            Assert.True(Math.Abs(expectedHN[j] - hN[j]) <= 2e-5, $"h_n[{j}]");
        }

        // Sequences 1 and 2: their first steps alone through the library (batch 1), then zeros.
        RnnModel model = RnnModel.Load(Hprnn.Model(Fixture));
        for (int b = 1; b < 3; b++)
        {
            int length = (int)lengths[b];
            var aloneOutput = new float[length * 32];
            var aloneHN = new float[32];
            model.Forward(input.AsSpan(b * 20 * 16, length * 16), aloneOutput, aloneHN, 1, length, SequenceLayout.BatchFirst, h0.AsSpan(b * 32, 32));
            Assert.Equal(aloneOutput, output.AsSpan(b * 20 * 32, length * 32).ToArray());
            Assert.All(output.AsSpan((b * 20 * 32) + (length * 32), (20 - length) * 32).ToArray(), value => Assert.Equal(0f, value));
            Assert.Equal(aloneHN, hN.AsSpan(b * 32, 32).ToArray());
        }
    }

    [Theory]
    [InlineData(new long[] { 20, 0, 13 }, "lengths[1] is 0")]
    [InlineData(new long[] { 20, 7, 21 }, "lengths[2] is 21")]
    [InlineData(new long[] { -3, 7, 13 }, "lengths[0] is -3")]
    public void A_length_out_of_range_exits_2_naming_the_index_and_value(long[] lengths, string expected)
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        WriteInput(inPath, new float[3 * 20 * 16], [3, 20, 16], null, null, lengths, "I64");

        CliResult result = Hprnn.Run("run", Hprnn.Model(Fixture), "-i", inPath, "-o", temp.File("out.safetensors"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Contains("'lengths'", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Lengths_of_the_wrong_count_exit_2_naming_both_shapes()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        WriteInput(inPath, new float[3 * 20 * 16], [3, 20, 16], null, null, [20, 7], "I64");

        CliResult result = Hprnn.Run("run", Hprnn.Model(Fixture), "-i", inPath, "-o", temp.File("out.safetensors"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("(2,)", result.Error, StringComparison.Ordinal);
        Assert.Contains("(3)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Float_lengths_exit_2_naming_the_dtype()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        Hprnn.Write(inPath, new Dictionary<string, string> { ["batch_first"] = "true" },
            ("input", new float[3 * 20 * 16], [3, 20, 16]),
            ("lengths", [20f, 7f, 13f], [3]));

        CliResult result = Hprnn.Run("run", Hprnn.Model(Fixture), "-i", inPath, "-o", temp.File("out.safetensors"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'lengths'", result.Error, StringComparison.Ordinal);
        Assert.Contains("F32", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_help_mentions_lengths()
    {
        CliResult result = Hprnn.Run("run", "--help");
        Assert.Contains("lengths", result.Output, StringComparison.Ordinal);
    }

    /// <summary>A safetensors file with F32 'input' (and 'h0') and an integer 'lengths', written byte by byte (the library's writer writes floats only).</summary>
    private static void WriteInput(string path, float[] input, int[] inputShape, float[]? h0, int[]? h0Shape, long[] lengths, string lengthsDType)
    {
        int lengthSize = lengthsDType == "I64" ? 8 : 4;
        var data = new List<byte>();
        var header = new StringBuilder("{\"__metadata__\":{\"batch_first\":\"true\"}");
        void Add(string name, string dtype, int[] shape, byte[] bytes)
        {
            header.Append($",\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{data.Count},{data.Count + bytes.Length}]}}");
            data.AddRange(bytes);
        }

        Add("input", "F32", inputShape, FloatBytes(input));
        if (h0 is not null)
        {
            Add("h0", "F32", h0Shape!, FloatBytes(h0));
        }

        var lengthBytes = new byte[lengths.Length * lengthSize];
        for (int i = 0; i < lengths.Length; i++)
        {
            if (lengthSize == 8)
            {
                BinaryPrimitives.WriteInt64LittleEndian(lengthBytes.AsSpan(i * 8), lengths[i]);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(lengthBytes.AsSpan(i * 4), (int)lengths[i]);
            }
        }

        Add("lengths", lengthsDType, [lengths.Length], lengthBytes);
        header.Append('}');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using FileStream stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
        stream.Write(headerBytes);
        stream.Write(data.ToArray());
    }

    private static byte[] FloatBytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}

using HighPerfRnn.Safetensors;

namespace HighPerfRnn;

public sealed partial class RnnModel
{
    /// <summary>
    /// Loads a PyTorch <c>state_dict</c> saved with <c>safetensors.torch.save_file(model.state_dict(), path)</c>.
    /// The architecture comes from the tensors' names and shapes; the nonlinearity from
    /// <paramref name="options"/>, else the file's metadata, else tanh. F32, F16, BF16 and F64 tensors are read as float32.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors (the message says where).</exception>
    /// <exception cref="ModelWeightsException">The tensors do not form a recurrent model (the message names the tensor).</exception>
    public static RnnModel Load(string path, RnnLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromSafetensors(SafetensorsFile.Open(path), options);
    }

    /// <summary>Builds a model from a parsed safetensors file; see <see cref="Load(string, RnnLoadOptions?)"/>.</summary>
    public static RnnModel FromSafetensors(SafetensorsFile file, RnnLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= new RnnLoadOptions();
        return FromStateDict(ReadStateDict(file, options.TensorPrefix), file.Metadata, options);
    }

    /// <summary>The file's tensors whose names start with <paramref name="prefix"/>, as float32, by name; others are not read.</summary>
    internal static Dictionary<string, FloatTensor> ReadStateDict(SafetensorsFile file, string? prefix = null)
    {
        var stateDict = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (SafetensorsTensorInfo tensor in file.Tensors)
        {
            if (!string.IsNullOrEmpty(prefix) && !tensor.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            stateDict[tensor.Name] = file.ReadFloatTensor(tensor.Name);
        }

        return stateDict;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace HighPerfRnn.Tests.Support;

/// <summary>Encodes tensors as safetensors in a chosen dtype (F16, BF16, F64), by hand, independent of the library's writer.</summary>
internal static class SafetensorsBytes
{
    public static byte[] Encode(IReadOnlyDictionary<string, FloatTensor> tensors, string dtype)
    {
        int size = dtype switch { "F64" => 8, "F32" => 4, _ => 2 };
        var header = new StringBuilder("{");
        var data = new List<byte>();
        foreach ((string name, FloatTensor tensor) in tensors)
        {
            int begin = data.Count;
            foreach (float value in tensor.Data)
            {
                var bytes = new byte[size];
                switch (dtype)
                {
                    case "F64": BinaryPrimitives.WriteDoubleLittleEndian(bytes, value); break;
                    case "F32": BinaryPrimitives.WriteSingleLittleEndian(bytes, value); break;
                    case "F16": BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)value); break;
                    default: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16)); break; // exact for these values
                }

                data.AddRange(bytes);
            }

            if (header.Length > 1)
            {
                header.Append(',');
            }

            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", tensor.Shape.ToArray())}],\"data_offsets\":[{begin},{data.Count}]}}");
        }

        header.Append('}');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        var file = new byte[8 + json.Length + data.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }
}

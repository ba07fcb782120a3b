using System.Globalization;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// The CPU's vendor, family and model as CPUID reports them (from /proc/cpuinfo), and the microarchitecture where this
/// project has measured it: the machines of its sessions share one model name ("AMD EPYC") across generations whose FMA
/// rates differ by 2×, so the report names the type, and compares with figures taken on the same type only.
/// </summary>
public sealed record CpuType(string Vendor, int Family, int Model)
{
    /// <summary>AMD Zen 3 (Milan: family 25, models 0–15): AVX2 only, two 256-bit FMA pipes.</summary>
    public bool IsZen3 => Vendor == "AuthenticAMD" && Family == 25 && Model is >= 0x00 and <= 0x0F;

    /// <summary>AMD Zen 4 (Genoa: family 25, models 16–31): AVX-512 on 256-bit units.</summary>
    public bool IsZen4 => Vendor == "AuthenticAMD" && Family == 25 && Model is >= 0x10 and <= 0x1F;

    /// <summary>AMD Zen 5 (family 26): full-width AVX-512.</summary>
    public bool IsZen5 => Vendor == "AuthenticAMD" && Family == 26;

    /// <summary>The microarchitecture's name where known, else null.</summary>
    public string? Microarchitecture => IsZen3 ? "Zen 3" : IsZen4 ? "Zen 4" : IsZen5 ? "Zen 5" : null;

    /// <summary>For the report's CPU line: "AuthenticAMD family 25 model 17 (Zen 4)".</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Vendor} family {Family} model {Model}{(Microarchitecture is { } name ? $" ({name})" : string.Empty)}");

    private static readonly Lazy<CpuType?> ThisMachine = new(Read);

    /// <summary>This machine's CPU type (read once), or null where /proc/cpuinfo is not there to read (not Linux) or lacks the fields.</summary>
    public static CpuType? Current() => ThisMachine.Value;

    private static CpuType? Read()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return null;
        }

        string? vendor = null;
        int? family = null, model = null;
        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (vendor is not null)
                {
                    break; // the end of the first processor's block
                }

                continue;
            }

            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "vendor_id": vendor = value; break;
                case "cpu family": family = int.TryParse(value, CultureInfo.InvariantCulture, out int f) ? f : null; break;
                case "model": model = int.TryParse(value, CultureInfo.InvariantCulture, out int m) ? m : null; break;
            }
        }

        return vendor is not null && family is { } fam && model is { } mod ? new CpuType(vendor, fam, mod) : null;
    }
}

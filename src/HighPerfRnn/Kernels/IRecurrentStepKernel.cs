using System.ComponentModel;

namespace HighPerfRnn.Kernels;

/// <summary>
/// A recurrent step kernel: what the source generator emits for a declared model's fixed sizes, and what the
/// runtime supplies for any size (<see cref="RuntimeStepKernel"/>). The driver is generic over it
/// (<c>where TKernel : struct, IRecurrentStepKernel</c>), so the JIT compiles one driver per kernel with the
/// step inlined and no virtual call in the time loop.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRecurrentStepKernel
{
    /// <summary>
    /// Runs one time step of one layer and direction for every batch row, or returns false to let the driver run
    /// the runtime kernel instead (e.g. for a path or batch size the kernel was not specialized for).
    /// See <see cref="RecurrentStepArgs"/> for the arithmetic and the memory it may touch.
    /// </summary>
    static abstract bool TryStep(in RecurrentStepArgs args);
}

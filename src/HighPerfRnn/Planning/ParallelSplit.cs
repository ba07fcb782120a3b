namespace HighPerfRnn.Planning;

/// <summary>How <see cref="RnnParallelRunner"/> divides a pass between its threads (<c>ExecutionPlanner.ParallelSplitFor</c>).</summary>
internal enum ParallelSplit
{
    /// <summary>Each thread runs a contiguous share of the batch rows as a pass of its own.</summary>
    Rows = 0,

    /// <summary>Each thread runs its share of every step's hidden units for all the rows; all wait for each other after each step.</summary>
    Units = 1,

    /// <summary>A bidirectional model's two directions, one thread each, for all the rows; both wait for each other after each layer.</summary>
    Directions = 2,
}

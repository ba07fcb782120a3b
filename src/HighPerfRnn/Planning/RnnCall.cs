namespace HighPerfRnn;

/// <summary>The two kinds of call a plan is made for.</summary>
public enum RnnCall
{
    /// <summary><c>Forward</c>: whole sequences.</summary>
    Forward = 0,

    /// <summary><c>Step</c>: one time step of streams whose state the caller keeps.</summary>
    Step = 1,
}

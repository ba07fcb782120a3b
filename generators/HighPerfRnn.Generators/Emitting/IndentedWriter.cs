using System;
using System.Text;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// A small text writer that indents each line by the current depth: the generated code is written as text
/// (never with SyntaxFactory, whose NormalizeWhitespace is slow), and multi-line snippets keep their relative indent.
/// </summary>
internal sealed class IndentedWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _depth;

    /// <summary>Writes each line of <paramref name="text"/> at the current depth; blank lines stay empty.</summary>
    public IndentedWriter Line(string text = "")
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length > 0)
            {
                for (int i = 0; i < _depth; i++)
                {
                    _builder.Append(IndentUnit);
                }

                _builder.Append(line);
            }

            _builder.Append('\n');
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until the returned scope is disposed.</summary>
    public Scope Block(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return new Scope(this);
    }

    public override string ToString() => _builder.ToString();

    private void Close()
    {
        _depth--;
        Line("}");
    }

    /// <summary>Closes a <see cref="Block"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly IndentedWriter _writer;

        public Scope(IndentedWriter writer) => _writer = writer;

        public void Dispose() => _writer.Close();
    }
}

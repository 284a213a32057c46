namespace ActorPresence.Cli.Output;

/// <summary>
/// A plain-text table: columns padded to their widest cell and separated by two spaces, no
/// trailing blanks, no colours, so it reads the same on a terminal, in a pipe and in a log.
/// </summary>
internal sealed class TextTable
{
    private const string Gap = "  ";

    private readonly string[]? _headers;
    private readonly List<string[]> _rows = [];

    /// <param name="headers">Column titles, or none for a key/value listing without a title row.</param>
    public TextTable(params string[] headers)
    {
        _headers = headers.Length == 0 ? null : headers;
    }

    public TextTable Add(params string[] cells)
    {
        _rows.Add(cells);
        return this;
    }

    public void WriteTo(TextWriter writer)
    {
        var lines = _headers is null ? _rows : _rows.Prepend(_headers).ToList();
        var columns = lines.Count == 0 ? 0 : lines.Max(l => l.Length);
        var widths = new int[columns];
        foreach (var line in lines)
        {
            for (var i = 0; i < line.Length; i++)
            {
                widths[i] = Math.Max(widths[i], line[i].Length);
            }
        }
        foreach (var line in lines)
        {
            var cells = line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]));
            writer.WriteLine(string.Join(Gap, cells).TrimEnd());
        }
    }
}

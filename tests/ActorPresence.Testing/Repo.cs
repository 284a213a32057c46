namespace ActorPresence.Testing;

/// <summary>The repository's files, found from the running assembly's location.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>Debug or Release: the folder above the running assembly's target-framework folder.</summary>
    public static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The built assembly of a project under <c>src/</c>, in the same configuration as the caller.</summary>
    public static string Built(string project)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorPresence.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ActorPresence.sln not found above " + AppContext.BaseDirectory);
    }
}

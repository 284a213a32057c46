#!/usr/bin/env pwsh
# ActorPresence build script. Runs on PowerShell from the repository's tool manifest:
#   dotnet tool restore
#   dotnet pwsh ./build.ps1 <target> [-Configuration Release|Debug]
# Targets:
#   build  restore and compile the solution (warnings are errors)
#   test   build, then run every test project (the same tests as `dotnet test`)
#   clean  remove build output
#   help   list the targets
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'clean', 'help')]
    [string] $Target = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$solution = Join-Path $root 'ActorPresence.sln'

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    Write-Host "> dotnet $($Arguments -join ' ')" -ForegroundColor Cyan
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE"
    }
}

switch ($Target) {
    'build' {
        Invoke-Dotnet build $solution -c $Configuration
    }
    'test' {
        Invoke-Dotnet build $solution -c $Configuration
        Invoke-Dotnet test $solution -c $Configuration --no-build
    }
    'clean' {
        Invoke-Dotnet clean $solution -c $Configuration
        Get-ChildItem -Path (Join-Path $root 'src'), (Join-Path $root 'tests') -Include bin, obj -Directory -Recurse |
            Remove-Item -Recurse -Force
    }
    'help' {
        Get-Content $PSCommandPath | Where-Object { $_ -match '^#   ' } | ForEach-Object { $_.Substring(2) }
    }
}

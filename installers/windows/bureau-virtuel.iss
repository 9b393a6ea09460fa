; Inno Setup 6 script of the Bureau virtuel installer for Windows (installers/README.md).
; On Windows, from the repository root, once PyInstaller has built dist\bureau-virtuel\:
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\bundle installers\bureau-virtuel.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" installers\windows\bureau-virtuel.iss
; which writes dist\bureau-virtuel-0.1.0-windows-x64-setup.exe.

#define AppName "Bureau virtuel"
#define AppVersion "0.1.0"
#define AppExe "bureau-virtuel.exe"
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
; The same AppId for every version, so that a new version updates the installed one.
AppId={{51115B51-EB9F-4017-AFD1-CDA68B44E822}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=France Services
AppComments=Poste de travail des agents France Services
; Per-user install by default (no administrator rights, in %LOCALAPPDATA%\Programs); an administrator
; can choose "for all users" (Program Files) in the first dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\Bureau virtuel
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=bureau-virtuel-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\resources\icons\fr.france-services.BureauVirtuel.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Messages]
ConfirmUninstall=Voulez-vous vraiment désinstaller %1 ?%n%nLes données des agents (la base des contacts, dans le dossier AppData\Local\France Services\bureau-virtuel de chaque utilisateur) sont conservées : supprimez ce dossier vous-même si le poste change de structure.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole PyInstaller folder: bureau-virtuel.exe, bureau-virtuel-console.exe, _internal\, LISEZMOI.txt.
Source: "{#Root}\dist\bureau-virtuel\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Saisir les contacts, guider les démarches et consulter les sites institutionnels"
Name: "{autoprograms}\{#AppName} — lisez-moi"; Filename: "{app}\LISEZMOI.txt"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder (files Python or Qt may have added there); never the agents' data.
Type: filesandordirs; Name: "{app}"

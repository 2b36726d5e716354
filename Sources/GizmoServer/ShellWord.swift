import Foundation

/// A word as the shell reads it back: as it is when it holds only letters,
/// digits and `_-./+:,=@%`, else in single quotes. For the commands the
/// command line prints for people to paste (`gizmolua list`, `gizmolua new`).
public enum ShellWord {
    public static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-./+:,=@%".unicodeScalars.contains($0))
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
